import { EmptyState } from '../components/States';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import { Link } from '../lib/router';

export function NotFoundPage() {
  useDocumentTitle('Not found');
  return (
    <EmptyState icon="alert" title="This page does not exist">
      <p>
        The address may be mistyped, or the page is not part of this version of vpt. <Link to="/">Go to the dashboard</Link>.
      </p>
    </EmptyState>
  );
}
