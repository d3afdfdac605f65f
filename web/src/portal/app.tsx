import { useTranslation } from 'react-i18next';
import { Route, Switch } from 'wouter';
import { SignIn, SignUp } from '../auth-pages.tsx';
import { SessionGate } from '../session.tsx';
import { Shell } from '../shell.tsx';
import { Empty, PageHeader } from '../ui.tsx';
import { Dashboard } from './dashboard.tsx';
import { Earnings, Statements } from './earnings.tsx';
import { LanguagePicker } from './language.tsx';
import { Links } from './links.tsx';
import { Marketing } from './marketing.tsx';
import { Onboarding } from './onboarding.tsx';
import { Clients, Team } from './people.tsx';
import { Postbacks, Profile } from './settings.tsx';
import { Verify } from './verify.tsx';

export function PortalApp() {
  const { t } = useTranslation();
  const nav = [
    { href: '/', label: t('nav.dashboard') },
    { href: '/clients', label: t('nav.clients') },
    { href: '/team', label: t('nav.team') },
    { href: '/links', label: t('nav.links') },
    { href: '/marketing', label: t('nav.marketing') },
    { href: '/earnings', label: t('nav.earnings') },
    { href: '/statements', label: t('nav.statements') },
    { href: '/verify', label: t('nav.verify') },
    { href: '/onboarding', label: t('nav.onboarding') },
    { href: '/postbacks', label: t('nav.postbacks') },
    { href: '/profile', label: t('nav.profile') },
  ];
  return (
    <>
      <Switch>
        <Route path="/sign-up">
          <SignUp />
        </Route>
        <Route>
          <SessionGate kind="partner" signIn={(done) => <SignIn kind="partner" onDone={done} />}>
            <Shell area={t('shell.portal')} nav={nav} tools={<LanguagePicker />}>
              <Switch>
                <Route path="/" component={Dashboard} />
                <Route path="/clients" component={Clients} />
                <Route path="/team" component={Team} />
                <Route path="/links" component={Links} />
                <Route path="/marketing" component={Marketing} />
                <Route path="/earnings" component={Earnings} />
                <Route path="/statements" component={Statements} />
                <Route path="/verify" component={Verify} />
                <Route path="/onboarding" component={Onboarding} />
                <Route path="/postbacks" component={Postbacks} />
                <Route path="/profile" component={Profile} />
                <Route>
                  <PageHeader title={t('nav.notFound')} />
                  <Empty>{t('nav.notFoundText')}</Empty>
                </Route>
              </Switch>
            </Shell>
          </SessionGate>
        </Route>
      </Switch>
    </>
  );
}
