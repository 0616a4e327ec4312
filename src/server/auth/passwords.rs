//! The rules a new password must pass: a length, not one of the passwords every guessing list
//! starts with, and not the user's own name. Each refusal names the rule it broke.

use super::secret::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};

/// The most common passwords of at least 8 characters (from the public breach top lists), as
/// typed and compared lowercased. Short on purpose: the length rule and the throttle do the
/// rest; this list stops the guesses that come first.
const COMMON: &[&str] = &[
    "password",
    "password1",
    "password12",
    "password123",
    "password1234",
    "passw0rd",
    "p@ssw0rd",
    "p@ssword",
    "12345678",
    "123456789",
    "1234567890",
    "0123456789",
    "12341234",
    "11111111",
    "00000000",
    "88888888",
    "87654321",
    "123123123",
    "1q2w3e4r",
    "1q2w3e4r5t",
    "1qaz2wsx",
    "zaq12wsx",
    "qwertyui",
    "qwertyuiop",
    "qwerty123",
    "qwerty12",
    "asdfghjk",
    "asdfghjkl",
    "zxcvbnm1",
    "iloveyou",
    "iloveyou1",
    "princess",
    "sunshine",
    "football",
    "baseball",
    "superman",
    "trustno1",
    "welcome1",
    "welcome123",
    "whatever",
    "letmein1",
    "letmein123",
    "abc12345",
    "abcd1234",
    "abcdefgh",
    "aa123456",
    "changeme",
    "changeme123",
    "administrator",
    "admin123",
    "admin1234",
    "adminadmin",
    "rootroot",
    "computer",
    "internet",
    "starwars",
    "michelle",
    "jennifer",
    "corvette",
    "mercedes",
    "1234qwer",
    "qazwsxedc",
    "password!",
    "secret123",
    "default1",
];

/// Why `password` cannot be the new password of `user`, or `Ok`.
pub fn check(password: &str, user: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&chars) {
        return Err(format!(
            "a password has {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters"
        ));
    }
    let lowered = password.to_lowercase();
    if COMMON.contains(&lowered.as_str()) {
        return Err(
            "this password is one of the most common ones, tried first by anyone guessing; \
             choose another"
                .into(),
        );
    }
    if !user.is_empty() && lowered == user.to_lowercase() {
        return Err("a password may not be the user's own name".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_passwords_are_refused_naming_the_rule() {
        assert!(check("short", "ann").unwrap_err().contains("8 to"));
        for common in ["password", "12345678", "qwertyui", "Password1", "PASSW0RD"] {
            assert!(
                check(common, "ann").unwrap_err().contains("most common"),
                "{common}"
            );
        }
        assert!(
            check("Annabelle", "annabelle")
                .unwrap_err()
                .contains("own name")
        );
        assert!(check("correct horse battery", "ann").is_ok());
        assert!(
            COMMON
                .iter()
                .all(|p| p.len() >= MIN_PASSWORD_CHARS && p.to_lowercase() == *p)
        );
    }
}
