import { Route, Switch } from 'wouter';
import { SignIn, SignUp } from '../auth-pages.tsx';
import { SessionGate } from '../session.tsx';
import { Shell } from '../shell.tsx';
import { Empty, PageHeader } from '../ui.tsx';
import { Dashboard } from './dashboard.tsx';
import { Earnings, Statements } from './earnings.tsx';
import { Links } from './links.tsx';
import { Clients, Team } from './people.tsx';
import { Postbacks, Profile } from './settings.tsx';
import { Verify } from './verify.tsx';

const NAV = [
  { href: '/', label: 'Dashboard' },
  { href: '/clients', label: 'Clients' },
  { href: '/team', label: 'Sub-IB tree' },
  { href: '/links', label: 'Links' },
  { href: '/earnings', label: 'Earnings' },
  { href: '/statements', label: 'Statements & payouts' },
  { href: '/verify', label: 'Verify' },
  { href: '/postbacks', label: 'Postbacks' },
  { href: '/profile', label: 'Profile' },
];

export function PortalApp() {
  return (
    <Switch>
      <Route path="/sign-up">
        <SignUp />
      </Route>
      <Route>
        <SessionGate kind="partner" signIn={(done) => <SignIn kind="partner" onDone={done} />}>
          <Shell area="Partner portal" nav={NAV}>
            <Switch>
              <Route path="/" component={Dashboard} />
              <Route path="/clients" component={Clients} />
              <Route path="/team" component={Team} />
              <Route path="/links" component={Links} />
              <Route path="/earnings" component={Earnings} />
              <Route path="/statements" component={Statements} />
              <Route path="/verify" component={Verify} />
              <Route path="/postbacks" component={Postbacks} />
              <Route path="/profile" component={Profile} />
              <Route>
                <PageHeader title="Page not found" />
                <Empty>This page does not exist. Pick a page from the menu.</Empty>
              </Route>
            </Switch>
          </Shell>
        </SessionGate>
      </Route>
    </Switch>
  );
}
