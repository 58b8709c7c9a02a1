import { useState } from 'react';
import { Navigate, NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { useQuery } from 'urql';
import { logOut } from '../api/auth';
import { setSession, useSession } from '../api/session';
import { QueryState } from '../ui/QueryState';
import { ViewerDocument } from './app.operations';
import { NAV } from './nav';
import { ViewerContext, type Viewer } from './viewer';

function TenantSwitcher({ viewer }: { viewer: Viewer }) {
  const session = useSession();
  const navigate = useNavigate();
  if (viewer.tenants.length < 2) return <span className="tenant-name">{viewer.tenant.name}</span>;
  return (
    <label className="tenant-switcher">
      <span className="visually-hidden">Tenant</span>
      <select
        value={viewer.tenant.id}
        onChange={(e) => {
          if (!session) return;
          setSession({ ...session, tenantId: e.target.value });
          navigate('/datasets');
        }}
      >
        {viewer.tenants.map((t) => (
          <option key={t.id} value={t.id}>{t.name}</option>
        ))}
      </select>
    </label>
  );
}

function Navigation({ onNavigate }: { onNavigate: () => void }) {
  return (
    <ul className="nav-list">
      {NAV.map((entry) => (
        <li key={entry.to}>
          {entry.available ? (
            <NavLink to={entry.to} onClick={onNavigate}>{entry.label}</NavLink>
          ) : (
            <span className="nav-disabled" aria-disabled="true" title="Not available on this server yet">
              {entry.label} <small>soon</small>
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}

/** The signed-in frame: header with tenant switcher and account, navigation, and the page. */
export function Layout() {
  const session = useSession();
  const location = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const [result, reexecute] = useQuery({ query: ViewerDocument, pause: !session });
  if (!session) return <Navigate to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  return (
    <div className="shell">
      <a className="skip-link" href="#main">Skip to content</a>
      <header className="topbar">
        <button type="button" className="menu-button" aria-expanded={menuOpen} aria-controls="nav" onClick={() => setMenuOpen((o) => !o)}>
          Menu
        </button>
        <span className="brand">Tuneforge</span>
        {result.data && <TenantSwitcher viewer={result.data.viewer} />}
        <span className="account">
          <span className="account-email">{session.email}</span>
          <button type="button" className="button button-quiet" onClick={() => void logOut()}>Log out</button>
        </span>
      </header>
      <nav id="nav" className={`sidebar${menuOpen ? ' open' : ''}`} aria-label="Sections">
        <Navigation onNavigate={() => setMenuOpen(false)} />
      </nav>
      <main id="main" className="content" tabIndex={-1}>
        <QueryState result={result} retry={() => reexecute({ requestPolicy: 'network-only' })}>
          {(data) => (
            <ViewerContext.Provider value={data.viewer}>
              <Outlet />
            </ViewerContext.Provider>
          )}
        </QueryState>
      </main>
    </div>
  );
}
