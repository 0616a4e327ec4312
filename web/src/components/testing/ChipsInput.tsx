// A list of short words typed one by one (tags, remote keys): Enter, comma or space adds the
// word, Backspace in the empty field takes the last one back.

import { useState } from 'react';
import type { KeyboardEvent } from 'react';
import { Icon } from '../Icon';

interface ChipsInputProps {
  values: string[];
  onChange: (values: string[]) => void;
  /** Offered while typing (free text is allowed too). */
  suggestions?: string[];
  placeholder?: string;
  label: string;
  /** How a value is shown on its chip. */
  display?: (value: string) => string;
  /** Turns typed text into a value (e.g. upper case for keys). */
  normalize?: (text: string) => string;
  allowDuplicates?: boolean;
  invalid?: boolean;
  testId?: string;
  listId: string;
}

export function ChipsInput(props: ChipsInputProps) {
  const { values, onChange, suggestions = [], placeholder, label, display = (v) => v, normalize = (t) => t.trim() } = props;
  const [text, setText] = useState('');

  const add = (raw: string) => {
    const value = normalize(raw);
    if (!value) return;
    if (!props.allowDuplicates && values.includes(value)) {
      setText('');
      return;
    }
    onChange([...values, value]);
    setText('');
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter' || e.key === ',' || (e.key === ' ' && text.trim() !== '')) {
      e.preventDefault();
      add(text);
    } else if (e.key === 'Backspace' && text === '' && values.length > 0) {
      onChange(values.slice(0, -1));
    }
  };

  return (
    <div className={props.invalid ? 'chips-input invalid' : 'chips-input'} data-testid={props.testId}>
      {values.map((value, i) => (
        <span key={`${value}-${i}`} className="chip chip-value">
          {display(value)}
          <button type="button" onClick={() => onChange(values.filter((_, j) => j !== i))} aria-label={`Remove ${display(value)}`}>
            <Icon name="close" size={11} />
          </button>
        </span>
      ))}
      <input
        className="chips-input-field"
        value={text}
        list={props.listId}
        placeholder={values.length === 0 ? placeholder : ''}
        aria-label={label}
        aria-invalid={props.invalid || undefined}
        onChange={(e) => {
          // Picking a suggestion from the list fills the field with it whole: take it at once.
          const next = e.target.value;
          if (suggestions.includes(next) && next.length - text.length > 1) add(next);
          else setText(next);
        }}
        onKeyDown={onKeyDown}
        onBlur={() => add(text)}
      />
      <datalist id={props.listId}>
        {suggestions.map((s) => (
          <option key={s} value={s} />
        ))}
      </datalist>
    </div>
  );
}
