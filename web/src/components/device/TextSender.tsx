import { useState } from 'react';
import type { FormEvent } from 'react';
import { api } from '../../api/endpoints';
import { Icon } from '../Icon';

interface TextSenderProps {
  host: string;
  id: string;
  disabled: boolean;
  lockToken: string | null;
  onError: (err: unknown) => void;
  onSent: (text: string) => void;
}

export function TextSender({ host, id, disabled, lockToken, onError, onSent }: TextSenderProps) {
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!text || sending) return;
    setSending(true);
    try {
      await api.sendText(host, id, text, lockToken);
      onSent(text);
      setText('');
    } catch (err) {
      onError(err);
    } finally {
      setSending(false);
    }
  };

  return (
    <form className="text-sender" onSubmit={(e) => void submit(e)}>
      <label htmlFor="remote-text" className="visually-hidden">
        Text to type on the device
      </label>
      <input
        id="remote-text"
        className="input"
        type="text"
        placeholder="Text to type…"
        value={text}
        onChange={(e) => setText(e.target.value)}
        disabled={disabled}
        autoComplete="off"
      />
      <button type="submit" className="button" disabled={disabled || sending || text === ''}>
        <Icon name="send" size={15} /> {sending ? 'Sending…' : 'Send text'}
      </button>
    </form>
  );
}
