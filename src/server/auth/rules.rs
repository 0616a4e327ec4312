//! The route rule table: for every (method, route template) the server answers, who may call it
//! and, for changes worth keeping, the audit action recorded when it succeeds. A request whose
//! route has no rule is refused (and logged), and a unit test reads the routers' sources and
//! fails naming any route without a rule, so no route can be added unguarded.

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::http::Method;

use super::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone: health, login, the unknown-route answer.
    Public,
    /// Hosts joining: the handler checks the shared host token itself.
    HostToken,
    /// `/metrics`: viewer, or anyone with `auth.metrics_public`.
    Metrics,
    /// At least this role.
    Role(Role),
}

#[derive(Debug)]
pub struct Rule {
    /// An HTTP method, or `*` for every method without its own rule on that route.
    pub method: &'static str,
    pub route: &'static str,
    pub access: Access,
    /// Audit action written when the request succeeds (handlers that record richer entries
    /// themselves, such as users and tokens, have none here).
    pub audit: Option<&'static str>,
}

const V: Access = Access::Role(Role::Viewer);
const T: Access = Access::Role(Role::Tester);
const A: Access = Access::Role(Role::Admin);

const fn r(method: &'static str, route: &'static str, access: Access) -> Rule {
    Rule {
        method,
        route,
        access,
        audit: None,
    }
}

/// A rule whose successful requests are audited as `action`.
const fn a(
    method: &'static str,
    route: &'static str,
    access: Access,
    action: &'static str,
) -> Rule {
    Rule {
        method,
        route,
        access,
        audit: Some(action),
    }
}

const DEVICE: &str = "/api/hosts/{host}/devices/{device}";
const DEVICE_REST: &str = "/api/hosts/{host}/devices/{device}/{*rest}";

pub const RULES: &[Rule] = &[
    // system, auth
    r("GET", "/api/health", Access::Public),
    r("GET", "/api/system/info", V),
    r("GET", "/api/system/status", V),
    r("GET", "/metrics", Access::Metrics),
    r("POST", "/api/auth/login", Access::Public),
    r("POST", "/api/auth/logout", V),
    r("GET", "/api/auth/me", V),
    r("PUT", "/api/auth/password", V),
    r("GET", "/api/users", A),
    r("POST", "/api/users", A),
    r("GET", "/api/users/{name}", A),
    r("PUT", "/api/users/{name}", A),
    r("DELETE", "/api/users/{name}", A),
    r("GET", "/api/tokens", V),
    r("POST", "/api/tokens", V),
    r("DELETE", "/api/tokens/{id}", V),
    r("GET", "/api/audit", A),
    // hosts and devices
    r("GET", "/api/hosts", V),
    r("GET", "/api/hosts/discovered", V),
    r("POST", "/api/hosts/register", Access::HostToken),
    r("GET", "/api/hosts/connect", Access::HostToken),
    r("GET", "/api/hosts/{host}", V),
    r("GET", "/api/hosts/approvals", V),
    a("POST", "/api/hosts/{host}/approve", A, "host.approve"),
    a("POST", "/api/hosts/{host}/revoke", A, "host.revoke"),
    r("GET", "/api/devices", V),
    r("GET", DEVICE, V),
    a("*", DEVICE, T, "device.control"),
    r("GET", DEVICE_REST, V),
    a("*", DEVICE_REST, T, "device.control"),
    a("POST", "/api/hosts/{host}/execute", T, "device.execute"),
    r("GET", "/server/rec/stream/{host}/{device}", V),
    a(
        "POST",
        "/api/devices/{host}/{device}/lock",
        T,
        "device.lock",
    ),
    a(
        "DELETE",
        "/api/devices/{host}/{device}/lock",
        T,
        "device.unlock",
    ),
    r("GET", "/api/events", V),
    // references and verification
    r("GET", "/api/references", V),
    a("POST", "/api/references", T, "reference.create"),
    a("POST", "/api/references/upload", T, "reference.upload"),
    r("GET", "/api/references/{id}", V),
    a("PUT", "/api/references/{id}", T, "reference.update"),
    a("DELETE", "/api/references/{id}", T, "reference.delete"),
    r("GET", "/api/references/{id}/image", V),
    a(
        "POST",
        "/api/hosts/{host}/devices/{device}/verify",
        T,
        "device.verify",
    ),
    r("GET", "/api/hosts/{host}/verifications/{file}", V),
    // userinterfaces and trees
    r("GET", "/api/userinterfaces", V),
    a("POST", "/api/userinterfaces", T, "userinterface.create"),
    r("GET", "/api/userinterfaces/{id}", V),
    a("PUT", "/api/userinterfaces/{id}", T, "userinterface.update"),
    a(
        "DELETE",
        "/api/userinterfaces/{id}",
        T,
        "userinterface.delete",
    ),
    r("GET", "/api/trees/{id}/export", V),
    a("POST", "/api/trees/import", T, "tree.import"),
    r("GET", "/api/trees/{id}", V),
    a("PUT", "/api/trees/{id}", T, "tree.replace"),
    a("POST", "/api/trees/{id}/nodes", T, "tree.node_add"),
    a("PUT", "/api/trees/{id}/nodes/{node}", T, "tree.node_update"),
    a(
        "DELETE",
        "/api/trees/{id}/nodes/{node}",
        T,
        "tree.node_delete",
    ),
    r("GET", "/api/trees/{id}/nodes/{node}/screenshot", V),
    a(
        "POST",
        "/api/trees/{id}/nodes/{node}/screenshot",
        T,
        "tree.node_screenshot",
    ),
    a("POST", "/api/trees/{id}/edges", T, "tree.edge_add"),
    a("PUT", "/api/trees/{id}/edges/{edge}", T, "tree.edge_update"),
    a(
        "DELETE",
        "/api/trees/{id}/edges/{edge}",
        T,
        "tree.edge_delete",
    ),
    r("GET", "/api/trees/{id}/history", V),
    r("GET", "/api/trees/{id}/history/{version}", V),
    a(
        "POST",
        "/api/trees/{id}/history/{version}/restore",
        T,
        "tree.restore",
    ),
    // navigation
    a(
        "POST",
        "/api/hosts/{host}/devices/{device}/navigate",
        T,
        "navigation.goto",
    ),
    a(
        "POST",
        "/api/hosts/{host}/devices/{device}/validate",
        T,
        "navigation.validate",
    ),
    r("GET", "/api/nav/jobs", V),
    r("GET", "/api/nav/jobs/{id}", V),
    a("POST", "/api/nav/jobs/{id}/cancel", T, "navigation.cancel"),
    r("GET", "/api/trees/{id}/validations", V),
    r("GET", "/api/validations/{id}", V),
    r("GET", "/api/validations/{id}/screenshots/{file}", V),
    // test cases, runs, campaigns, schedules
    r("GET", "/api/testcases", V),
    a("POST", "/api/testcases", T, "testcase.create"),
    r("GET", "/api/testcases/{id}", V),
    a("PUT", "/api/testcases/{id}", T, "testcase.update"),
    a("DELETE", "/api/testcases/{id}", T, "testcase.delete"),
    a(
        "POST",
        "/api/testcases/{id}/duplicate",
        T,
        "testcase.duplicate",
    ),
    r("GET", "/api/testcases/{id}/versions", V),
    r("GET", "/api/tags", V),
    r("GET", "/api/runs", V),
    a("POST", "/api/runs", T, "run.start"),
    r("GET", "/api/runs/stats", V),
    r("GET", "/api/runs/{id}", V),
    a("POST", "/api/runs/{id}/cancel", T, "run.cancel"),
    r("GET", "/api/runs/{id}/events", V),
    r("GET", "/api/runs/{id}/artifacts/{name}", V),
    r("GET", "/api/runs/{id}/report.html", V),
    r("GET", "/api/runs/{id}/junit.xml", V),
    r("GET", "/api/campaigns", V),
    a("POST", "/api/campaigns", T, "campaign.create"),
    r("GET", "/api/campaigns/{id}", V),
    a("PUT", "/api/campaigns/{id}", T, "campaign.update"),
    a("DELETE", "/api/campaigns/{id}", T, "campaign.delete"),
    a("POST", "/api/campaigns/{id}/run", T, "campaign.start"),
    r("GET", "/api/campaign-runs", V),
    r("GET", "/api/campaign-runs/{id}", V),
    a(
        "POST",
        "/api/campaign-runs/{id}/cancel",
        T,
        "campaign.cancel",
    ),
    r("GET", "/api/campaign-runs/{id}/junit.xml", V),
    r("GET", "/api/campaign-runs/{id}/report.html", V),
    r("GET", "/api/schedules", V),
    a("POST", "/api/schedules", T, "schedule.create"),
    r("GET", "/api/schedules/{id}", V),
    a("PUT", "/api/schedules/{id}", T, "schedule.update"),
    a("DELETE", "/api/schedules/{id}", T, "schedule.delete"),
    r("GET", "/api/schedules/{id}/firings", V),
    // incidents
    r("GET", "/api/incidents", V),
    r("GET", "/api/incidents/{id}", V),
    a("POST", "/api/incidents/{id}/ack", T, "incident.ack"),
    a(
        "POST",
        "/api/incidents/{id}/false-positive",
        T,
        "incident.false_positive",
    ),
    r("GET", "/api/incidents/{id}/frames/{name}", V),
    // A read (pictures around a restart) that takes a JSON body, hence POST.
    r("POST", "/server/rec/getRestartImages", V),
    // Unknown routes answer 404 whoever asks.
    r("*", "/api/{*rest}", Access::Public),
    r("*", "/server/{*rest}", Access::Public),
];

static INDEX: LazyLock<HashMap<(&'static str, &'static str), &'static Rule>> =
    LazyLock::new(|| {
        RULES
            .iter()
            .map(|rule| ((rule.method, rule.route), rule))
            .collect()
    });

/// The rule of a request to `route` (axum's matched template). HEAD is answered by GET handlers,
/// so it follows GET's rule.
pub fn find(method: &Method, route: &str) -> Option<&'static Rule> {
    let method = if *method == Method::HEAD {
        "GET"
    } else {
        method.as_str()
    };
    INDEX
        .get(&(method, route))
        .or_else(|| INDEX.get(&("*", route)))
        .copied()
}

/// The methods with a rule of their own on `route` (empty for an unknown route).
pub fn methods_of(route: &str) -> Vec<&'static str> {
    let mut methods: Vec<&'static str> = RULES
        .iter()
        .filter(|rule| rule.route == route && rule.method != "*")
        .map(|rule| rule.method)
        .collect();
    if methods.contains(&"GET") {
        methods.push("HEAD");
    }
    methods
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (method, route) of every route the server's routers declare, read from their sources:
    /// `.route("<template>", get(..).post(..))`, with `any(..)` as `*`.
    fn declared_routes() -> Vec<(String, String)> {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/src/server");
        let mut files: Vec<_> = std::fs::read_dir(format!("{root}/api"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.push(format!("{root}/metrics/mod.rs").into());
        let mut routes = Vec::new();
        for file in files {
            let source = std::fs::read_to_string(&file).unwrap();
            for (start, _) in source.match_indices(".route(") {
                let call = &source[start + ".route(".len()..];
                let end = closing_paren(call);
                let call = &call[..end];
                let template = match call.split('"').nth(1) {
                    Some(t) if call.trim_start().starts_with('"') => t.to_string(),
                    _ if call.contains("CONNECT_PATH") => crate::protocol::CONNECT_PATH.into(),
                    _ => panic!("{}: cannot read route `{call}`", file.display()),
                };
                let handlers = &call[call.find(',').unwrap() + 1..];
                let mut found = false;
                for method in ["get", "post", "put", "delete", "patch", "any"] {
                    let mut rest = handlers;
                    while let Some(at) = rest.find(&format!("{method}(")) {
                        let before = rest[..at].chars().last();
                        // `get(` or `routing::get(`, not `forget(`.
                        if before.is_none_or(|c| !(c.is_alphanumeric() || c == '_')) {
                            let m = if method == "any" {
                                "*".into()
                            } else {
                                method.to_uppercase()
                            };
                            routes.push((m, template.clone()));
                            found = true;
                        }
                        rest = &rest[at + method.len()..];
                    }
                }
                assert!(found, "{}: no method in route `{call}`", file.display());
            }
        }
        routes
    }

    fn closing_paren(text: &str) -> usize {
        let mut depth = 1;
        for (i, c) in text.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        return i;
                    }
                }
                _ => {}
            }
        }
        text.len()
    }

    #[test]
    fn every_route_has_a_rule() {
        let declared = declared_routes();
        assert!(declared.len() > 100, "only {} routes read", declared.len());
        let missing: Vec<String> = declared
            .iter()
            .filter(|(method, route)| !INDEX.contains_key(&(method.as_str(), route.as_str())))
            .map(|(method, route)| format!("{method} {route}"))
            .collect();
        assert!(
            missing.is_empty(),
            "routes without a rule in src/server/auth/rules.rs:\n{}",
            missing.join("\n")
        );
        // And no rule outlives its route.
        let stale: Vec<String> = RULES
            .iter()
            .filter(|rule| {
                // A GET rule may refine an `any(..)` route.
                let declared_as =
                    |method: &str| declared.iter().any(|(m, r)| m == method && r == rule.route);
                !(declared_as(rule.method) || (rule.method == "GET" && declared_as("*")))
            })
            .map(|rule| format!("{} {}", rule.method, rule.route))
            .collect();
        assert!(
            stale.is_empty(),
            "rules without a route:\n{}",
            stale.join("\n")
        );
        assert_eq!(INDEX.len(), RULES.len(), "a rule is listed twice");
    }

    #[test]
    fn lookup_prefers_the_exact_method() {
        let rule = find(&Method::GET, DEVICE_REST).unwrap();
        assert_eq!(rule.access, Access::Role(Role::Viewer));
        let rule = find(&Method::HEAD, DEVICE_REST).unwrap();
        assert_eq!(rule.access, Access::Role(Role::Viewer));
        let rule = find(&Method::POST, DEVICE_REST).unwrap();
        assert_eq!(rule.access, Access::Role(Role::Tester));
        assert!(find(&Method::PATCH, "/api/runs").is_none());
        assert_eq!(methods_of("/api/runs"), ["GET", "POST", "HEAD"]);
        assert!(methods_of("/api/not-a-route").is_empty());
        assert!(find(&Method::GET, "/api/not-a-route").is_none());
    }
}
