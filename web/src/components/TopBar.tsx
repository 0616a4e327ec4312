import { useLiveStore } from '../store/LiveStore';
import { ConnectionIndicator } from './ConnectionIndicator';
import { UserMenu } from './UserMenu';

export function TopBar({ section }: { section: string }) {
  const { state } = useLiveStore();
  return (
    <header className="topbar">
      <div className="topbar-section">{section}</div>
      <div className="topbar-right">
        <ConnectionIndicator status={state.connection} />
        <UserMenu />
      </div>
    </header>
  );
}
