import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { HoverTooltip } from './HoverTooltip';

describe('HoverTooltip', () => {
  test('mounts no tooltip until hovered, then shows its title', async () => {
    render(
      <HoverTooltip title="Deploying: phase 3 of 14">
        <b data-testid="target">status</b>
      </HoverTooltip>,
    );
    expect(document.querySelector('.ant-tooltip')).toBeNull();
    fireEvent.mouseEnter(screen.getByTestId('target').parentElement!);
    expect(await screen.findByText('Deploying: phase 3 of 14')).toBeTruthy();
    expect(screen.getByTestId('target').textContent).toBe('status');
  });

  test('keyboard focus shows it too; an empty title never mounts one', async () => {
    const { rerender } = render(
      <HoverTooltip title="">
        <button data-testid="target">x</button>
      </HoverTooltip>,
    );
    fireEvent.focus(screen.getByTestId('target'));
    expect(document.querySelector('.ant-tooltip')).toBeNull();
    rerender(
      <HoverTooltip title="Explained">
        <button data-testid="target">x</button>
      </HoverTooltip>,
    );
    fireEvent.focus(screen.getByTestId('target'));
    expect(await screen.findByText('Explained')).toBeTruthy();
  });
});
