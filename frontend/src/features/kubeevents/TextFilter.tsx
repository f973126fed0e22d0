import { AutoComplete, Input } from 'antd';
import { useEffect, useRef, useState } from 'react';

export const DEBOUNCE_MS = 400;

interface Props {
  value: string | undefined;
  onCommit: (value: string) => void;
  placeholder: string;
  /** Suggestions (exact-match filters); none: a free text search box. */
  suggestions?: string[];
  testId: string;
  width: number;
}

/**
 * A text filter that asks the server only once typing pauses (or at once on Enter or a picked
 * suggestion): one request per word, not per key. Its draft follows the URL's value when that
 * changes otherwise (filters cleared, the browser's back button).
 */
export function TextFilter({ value, onCommit, placeholder, suggestions, testId, width }: Props) {
  const [draft, setDraft] = useState(value ?? '');
  const [shown, setShown] = useState(value);
  if (shown !== value) {
    setShown(value);
    if ((value ?? '') !== draft.trim()) setDraft(value ?? '');
  }
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);

  const commitNow = (text: string) => {
    clearTimeout(timer.current);
    if (text.trim() !== (value ?? '')) onCommit(text);
  };
  const change = (text: string) => {
    setDraft(text);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => commitNow(text), DEBOUNCE_MS);
  };
  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.key === 'Enter') commitNow(draft);
  };

  if (!suggestions) {
    return (
      <Input
        allowClear
        value={draft}
        placeholder={placeholder}
        onChange={(e) => change(e.target.value)}
        onKeyDown={onKeyDown}
        style={{ width }}
        data-testid={testId}
      />
    );
  }
  const lower = draft.trim().toLowerCase();
  return (
    <AutoComplete
      allowClear
      value={draft}
      placeholder={placeholder}
      options={suggestions.filter((s) => s.toLowerCase().includes(lower) && s !== draft).map((s) => ({ value: s }))}
      onChange={(text: string | undefined) => change(text ?? '')}
      onSelect={(text?: string) => {
        setDraft(text ?? '');
        commitNow(text ?? '');
      }}
      onInputKeyDown={onKeyDown}
      style={{ width }}
      data-testid={testId}
    />
  );
}
