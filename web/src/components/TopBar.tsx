import { useDisplayName } from '../lib/identity';
import { Link } from '../lib/router';
import { useLiveStore } from '../store/LiveStore';
import { ConnectionIndicator } from './ConnectionIndicator';
import { Icon } from './Icon';

export function TopBar({ section }: { section: string }) {
  const { state } = useLiveStore();
  const name = useDisplayName();
  return (
    <header className="topbar">
      <div className="topbar-section">{section}</div>
      <div className="topbar-right">
        <ConnectionIndicator status={state.connection} />
        <Link to="/settings" className="user-chip" title="Your name, used when you take control of a device">
          <Icon name="lock" size={14} />
          <span>{name}</span>
        </Link>
      </div>
    </header>
  );
}
