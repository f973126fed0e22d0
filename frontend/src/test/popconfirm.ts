import { waitFor, within } from '@testing-library/react';

/** The open Popconfirm's confirm button, once it has rendered. */
export async function popconfirmButton(name: string): Promise<HTMLElement> {
  const pop = await waitFor(() => {
    const el = document.querySelector<HTMLElement>('.ant-popconfirm:not(.ant-popover-hidden)');
    if (!el) throw new Error('no popconfirm open');
    return el;
  }, { timeout: 10000 });
  return within(pop).getByRole('button', { name });
}
