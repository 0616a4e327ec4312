import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { AuthGate } from './components/AuthGate';
import { ToastProvider } from './components/Toasts';
import { AuthProvider } from './store/Auth';
import { HostApprovalsProvider } from './store/HostApprovals';
import { IncidentsProvider } from './store/Incidents';
import { LiveStoreProvider } from './store/LiveStore';
import './styles/index.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

createRoot(root).render(
  <StrictMode>
    <ToastProvider>
      <AuthProvider>
        {/* Live data loads only once someone is signed in; signing out drops it all. */}
        <AuthGate>
          <LiveStoreProvider>
            <HostApprovalsProvider>
              <IncidentsProvider>
                <App />
              </IncidentsProvider>
            </HostApprovalsProvider>
          </LiveStoreProvider>
        </AuthGate>
      </AuthProvider>
    </ToastProvider>
  </StrictMode>,
);
