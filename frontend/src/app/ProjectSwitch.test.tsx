import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, test } from 'vitest';
import type { CurrentProject, Project } from './project';
import { ProjectSwitch } from './ProjectSwitch';

const projects = [
  { id: 'p-1', name: 'default' },
  { id: 'p-2', name: 'payments' },
] as Project[];

function Harness() {
  const [id, setId] = useState('p-1');
  const current: CurrentProject = {
    project: projects.find((p) => p.id === id) ?? null,
    projects,
    role: 'project-manager',
    canWrite: true,
    isLoading: false,
    select: setId,
  };
  return <ProjectSwitch current={current} />;
}

describe('ProjectSwitch', () => {
  test('shows the project as a button; a click opens the searchable picker; choosing switches', async () => {
    const user = userEvent.setup({ delay: null });
    render(<Harness />);
    const button = screen.getByTestId('project-selector');
    expect(button.textContent).toBe('default');
    expect(document.querySelector('.ant-select')).toBeNull();

    await user.click(button);
    const dropdown = await waitFor(() => {
      const open = document.querySelector('.ant-select-dropdown:not(.ant-select-dropdown-hidden)');
      if (!open) throw new Error('the picker is not open');
      return open as HTMLElement;
    });
    await user.click(within(dropdown).getByTitle('payments'));
    await waitFor(() => expect(screen.getByTestId('project-selector').tagName).toBe('BUTTON'));
    expect(screen.getByTestId('project-selector').textContent).toBe('payments');
  });
});
