import { Fragment } from 'react';
import type { ReactNode } from 'react';
import { PAD_KEYS, SHORTCUT_LEGEND } from '../../lib/remoteKeys';
import { Icon } from '../Icon';
import { RemoteButton } from './RemoteButton';

interface RemotePadProps {
  keys: readonly string[];
  disabled: boolean;
  /** Someone else holds the device: keys look unavailable, and a press is explained, not sent. */
  blocked?: boolean;
  onPress: (key: string, isRepeat: boolean) => void;
  flash: { key: string; seq: number } | null;
}

const DIGIT_ROWS = [['1', '2', '3'], ['4', '5', '6'], ['7', '8', '9'], [null, '0', null]];

export function RemotePad({ keys, disabled, blocked = false, onPress, flash }: RemotePadProps) {
  const has = new Set(keys);
  const button = (key: string, className?: string, content?: ReactNode) =>
    has.has(key) ? (
      <RemoteButton
        remoteKey={key}
        disabled={disabled}
        blocked={blocked}
        onPress={onPress}
        flashSeq={flash?.key === key ? flash.seq : 0}
        className={className}
      >
        {content}
      </RemoteButton>
    ) : (
      <span className="remote-gap" aria-hidden="true" />
    );
  const anyOf = (...list: string[]) => list.some((k) => has.has(k));
  const otherKeys = keys.filter((k) => !PAD_KEYS.has(k));

  return (
    <div className="remote" aria-label="Remote control" role="group">
      {anyOf('POWER', 'MUTE') ? (
        <div className="remote-row remote-row-split">
          {button('POWER', 'key-power', <Icon name="power" size={16} />)}
          {button('MUTE', undefined, <Icon name="mute" size={16} />)}
        </div>
      ) : null}

      {anyOf('UP', 'DOWN', 'LEFT', 'RIGHT', 'OK') ? (
        <div className="dpad">
          <span />
          {button('UP', 'key-arrow', <Icon name="up" size={20} />)}
          <span />
          {button('LEFT', 'key-arrow', <Icon name="left" size={20} />)}
          {button('OK', 'key-ok')}
          {button('RIGHT', 'key-arrow', <Icon name="right" size={20} />)}
          <span />
          {button('DOWN', 'key-arrow', <Icon name="down" size={20} />)}
          <span />
        </div>
      ) : null}

      {anyOf('BACK', 'HOME', 'MENU') ? (
        <div className="remote-row remote-row-3">
          {button('BACK', undefined, <><Icon name="back" size={15} /> Back</>)}
          {button('HOME', undefined, <><Icon name="home" size={15} /> Home</>)}
          {button('MENU', undefined, <><Icon name="menu" size={15} /> Menu</>)}
        </div>
      ) : null}

      {anyOf('VOLUME_UP', 'VOLUME_DOWN', 'CHANNEL_UP', 'CHANNEL_DOWN') ? (
        <div className="rockers">
          <div className="rocker">
            {button('VOLUME_UP', undefined, '+')}
            <span className="rocker-label">VOL</span>
            {button('VOLUME_DOWN', undefined, '−')}
          </div>
          <div className="rocker">
            {button('CHANNEL_UP', undefined, '+')}
            <span className="rocker-label">CH</span>
            {button('CHANNEL_DOWN', undefined, '−')}
          </div>
        </div>
      ) : null}

      {anyOf('0', '1', '2', '3', '4', '5', '6', '7', '8', '9') ? (
        <div className="digits">
          {DIGIT_ROWS.map((row, r) => (
            <Fragment key={r}>
              {row.map((key, c) => (key ? <Fragment key={key}>{button(key, 'key-digit')}</Fragment> : <span key={`gap-${c}`} />))}
            </Fragment>
          ))}
        </div>
      ) : null}

      {otherKeys.length > 0 ? (
        <div className="remote-other">
          <div className="subhead">Other keys</div>
          <div className="remote-other-keys">
            {otherKeys.map((key) => (
              <Fragment key={key}>{button(key)}</Fragment>
            ))}
          </div>
        </div>
      ) : null}

      <details className="legend">
        <summary>
          <Icon name="keyboard" size={15} /> Keyboard shortcuts
        </summary>
        <dl>
          {SHORTCUT_LEGEND.map((item) => (
            <Fragment key={item.keys}>
              <dt>
                <kbd>{item.keys}</kbd>
              </dt>
              <dd>{item.action}</dd>
            </Fragment>
          ))}
        </dl>
      </details>
    </div>
  );
}
