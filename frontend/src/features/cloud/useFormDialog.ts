import { Form } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { applyApiError } from '../../app/errors';

/**
 * A create/edit dialog's form: `submitting()` clears the last refusal and gives the mutation its
 * callbacks (saved: tell the page and close; refused: the API's field errors on the fields, the
 * rest above the form). `fields` names the form's fields as the API does (see applyApiError).
 */
export function useFormDialog<V, T>(fields: readonly string[], onClose: () => void, onSaved?: (saved: T) => void) {
  const { t } = useTranslation();
  const [form] = Form.useForm<V>();
  const [error, setError] = useState<string | null>(null);
  const submitting = () => {
    setError(null);
    return {
      onSuccess: (saved: T) => {
        onSaved?.(saved);
        onClose();
      },
      onError: (e: unknown) => setError(applyApiError(form, e, fields, t)),
    };
  };
  return { form, submitting, dialog: { form, error, onClose } };
}
