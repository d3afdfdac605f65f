import { Route, Switch } from 'wouter';
import { SignIn } from '../auth-pages.tsx';
import { SessionGate } from '../session.tsx';
import { Shell } from '../shell.tsx';
import { Empty, PageHeader } from '../ui.tsx';
import { ApiClients, AuditLog } from './access.tsx';
import { Customers } from './customers.tsx';
import { Connectors, Webhooks } from './integrations.tsx';
import { Overview, Partners } from './partners.tsx';
import { PayoutRun, PayoutRuns } from './payouts.tsx';
import { Periods } from './periods.tsx';
import { Plans } from './plans.tsx';
import { Reconciliation } from './reconciliation.tsx';
import { Risk } from './risk.tsx';

const NAV = [
  { href: '/', label: 'Overview' },
  { href: '/partners', label: 'Partners' },
  { href: '/plans', label: 'Plans' },
  { href: '/customers', label: 'Customers' },
  { href: '/periods', label: 'Periods' },
  { href: '/payouts', label: 'Payouts' },
  { href: '/reconciliation', label: 'Reconciliation' },
  { href: '/risk', label: 'Risk' },
  { href: '/webhooks', label: 'Webhooks' },
  { href: '/connectors', label: 'Connectors & imports' },
  { href: '/api-clients', label: 'API clients' },
  { href: '/audit-log', label: 'Audit log' },
];

export function AdminApp() {
  return (
    <SessionGate kind="admin" signIn={(done) => <SignIn kind="admin" onDone={done} />}>
      <Shell area="Admin console" nav={NAV}>
        <Switch>
          <Route path="/" component={Overview} />
          <Route path="/partners" component={Partners} />
          <Route path="/plans" component={Plans} />
          <Route path="/customers" component={Customers} />
          <Route path="/periods" component={Periods} />
          <Route path="/payouts" component={PayoutRuns} />
          <Route path="/payouts/:run_id" component={PayoutRun} />
          <Route path="/reconciliation" component={Reconciliation} />
          <Route path="/risk" component={Risk} />
          <Route path="/webhooks" component={Webhooks} />
          <Route path="/connectors" component={Connectors} />
          <Route path="/api-clients" component={ApiClients} />
          <Route path="/audit-log" component={AuditLog} />
          <Route>
            <PageHeader title="Page not found" />
            <Empty>This page does not exist. Pick a page from the menu.</Empty>
          </Route>
        </Switch>
      </Shell>
    </SessionGate>
  );
}
