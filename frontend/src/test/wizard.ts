import { screen, waitFor } from '@testing-library/react';
import type { UserEvent } from '@testing-library/user-event';

/** Index of the wizard's current step (antd marks it `process`), or -1. */
function currentStep(): number {
  const items = [...screen.getByTestId('wizard-steps').querySelectorAll('.ant-steps-item')];
  return items.findIndex((item) => item.className.includes('ant-steps-item-process'));
}

/**
 * Clicks "Next" `times` times, waiting after each click for the wizard to reach the following step.
 * "Next" validates its step asynchronously: a click that lands before the previous one has moved the
 * wizard acts on the same step again, so clicking blindly can stop one step short on a slow machine.
 */
export async function nextSteps(user: UserEvent, times = 1) {
  for (let i = 0; i < times; i++) {
    const from = currentStep();
    await user.click(screen.getByTestId('wizard-next'));
    await waitFor(() => {
      if (currentStep() !== from + 1) throw new Error(`the wizard is still on step ${currentStep()}, expected ${from + 1}`);
    });
  }
}
