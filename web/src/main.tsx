import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Redirect, Route, Switch } from 'wouter';
import { AdminApp } from './admin/app.tsx';
import { PortalApp } from './portal/app.tsx';
import './i18n/index.ts';
import './styles.css';

function App() {
  return (
    <Switch>
      <Route path="/portal" nest>
        <PortalApp />
      </Route>
      <Route path="/admin" nest>
        <AdminApp />
      </Route>
      <Route>
        <Redirect to="/portal/" replace />
      </Route>
    </Switch>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
