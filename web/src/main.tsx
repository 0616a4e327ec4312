import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { ToastProvider } from './components/Toasts';
import { IncidentsProvider } from './store/Incidents';
import { LiveStoreProvider } from './store/LiveStore';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

createRoot(root).render(
  <StrictMode>
    <ToastProvider>
      <LiveStoreProvider>
        <IncidentsProvider>
          <App />
        </IncidentsProvider>
      </LiveStoreProvider>
    </ToastProvider>
  </StrictMode>,
);
