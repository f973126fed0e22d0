import { useTranslation } from 'react-i18next';

/** Formats API timestamps in the console's language; empty for null. */
export function useFormatTime(): (iso: string | null | undefined) => string {
  const { i18n } = useTranslation();
  const fmt = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium', timeStyle: 'medium' });
  return (iso) => (iso ? fmt.format(new Date(iso)) : '');
}
