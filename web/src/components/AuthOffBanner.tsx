import { useAuth } from '../store/Auth';
import { Icon } from './Icon';

/** A thin strip on every page while the server lets anyone in, so nobody forgets it. */
export function AuthOffBanner() {
  const { me } = useAuth();
  if (!me || me.auth_enabled) return null;
  return (
    <div className="auth-off-strip" role="note" data-testid="auth-off-banner">
      <Icon name="alert" size={15} />
      <span>
        <strong>Authentication is off.</strong> Anyone who can reach this server can control its devices — fine for a
        single bench on this machine, not for a shared network.
      </span>
    </div>
  );
}
