import { Link } from 'react-router';
import { PageHeader } from '../ui/PageHeader';

export function NotFound() {
  return (
    <>
      <PageHeader title="Not found" />
      <p>There is no page here. <Link to="/datasets">Go to datasets</Link>.</p>
    </>
  );
}
