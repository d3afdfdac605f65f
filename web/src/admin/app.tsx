import { Route, Switch } from 'wouter';
import { SignIn } from '../auth-pages.tsx';
import { SessionGate } from '../session.tsx';
import { Shell } from '../shell.tsx';
import { Empty, PageHeader } from '../ui.tsx';
import { ApiClients, AuditLog } from './access.tsx';
import { Customers } from './customers.tsx';
import { Connectors } from './connectors.tsx';
import { Webhooks } from './webhooks.tsx';
import { JurisdictionPolicies } from './jurisdiction.tsx';
import { MarketingReview } from './marketing.tsx';
import { Overview, Partners } from './partners.tsx';
import { PayoutRun, PayoutRuns } from './payouts.tsx';
import { Periods } from './periods.tsx';
import { PartnerDetail } from './partner-detail.tsx';
import { Plans } from './plans.tsx';
import { Compliance } from './compliance.tsx';
import { Reconciliation } from './reconciliation.tsx';
import { Risk } from './risk.tsx';

const NAV = [
  { href: '/', label: 'Overview' },
  { href: '/partners', label: 'Partners' },
  { href: '/plans', label: 'Plans' },
  { href: '/jurisdiction', label: 'Jurisdiction rules' },
  { href: '/marketing', label: 'Marketing' },
  { href: '/customers', label: 'Customers' },
  { href: '/periods', label: 'Periods' },
  { href: '/payouts', label: 'Payouts' },
  { href: '/compliance', label: 'Compliance' },
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
          <Route path="/partners/:id" component={PartnerDetail} />
          <Route path="/plans" component={Plans} />
          <Route path="/jurisdiction" component={JurisdictionPolicies} />
          <Route path="/marketing" component={MarketingReview} />
          <Route path="/customers" component={Customers} />
          <Route path="/periods" component={Periods} />
          <Route path="/payouts" component={PayoutRuns} />
          <Route path="/payouts/:run_id" component={PayoutRun} />
          <Route path="/compliance" component={Compliance} />
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
