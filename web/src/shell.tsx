import { type ReactNode, useEffect, useState } from 'react';
import { Link, useLocation } from 'wouter';
import { useTranslation } from 'react-i18next';
import { useSession } from './session.tsx';

export interface NavItem {
  href: string;
  label: string;
}

/** The frame of a signed-in area: header, navigation (a menu button below 800 px), main content. */
/** The frame of a signed-in area; `tools` sit in the header beside the user (the portal's language picker). */
export function Shell({ area, nav, children, tools }: { area: string; nav: NavItem[]; children: ReactNode; tools?: ReactNode }) {
  const { t } = useTranslation();
  const { me, signOut } = useSession();
  const [location] = useLocation();
  const [open, setOpen] = useState(false);
  useEffect(() => setOpen(false), [location]);
  const active = (href: string) => (href === '/' ? location === '/' : location === href || location.startsWith(`${href}/`));
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        {t('shell.skip')}
      </a>
      <header className="topbar">
        <div className="brand">
          <span className="logo" aria-hidden="true">◆</span> OpenIB <span className="area">{area}</span>
        </div>
        <button type="button" className="btn btn-ghost menu-button" aria-expanded={open} aria-controls="main-nav" onClick={() => setOpen((o) => !o)}>
          {t('shell.menu')}
        </button>
        {tools}
        <div className="who">
          <span className="who-name" title={me.user.email}>
            {me.user.name || me.user.email}
            {me.user.role ? <span className="muted"> · {me.user.role}</span> : null}
          </span>
          <button type="button" className="btn btn-ghost" onClick={() => void signOut()}>
            {t('shell.signOut')}
          </button>
        </div>
      </header>
      <div className="layout">
        <nav id="main-nav" className={`sidenav${open ? ' open' : ''}`} aria-label={t('shell.navigation', { area })}>
          <ul>
            {nav.map((item) => (
              <li key={item.href}>
                <Link href={item.href} className={active(item.href) ? 'active' : undefined} aria-current={active(item.href) ? 'page' : undefined}>
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" className="content" tabIndex={-1}>
          {children}
        </main>
      </div>
    </div>
  );
}
