import { useTranslation } from 'react-i18next';
import { MIN_CPUS, type Unsuitable } from './spec';

/** Why a host cannot be a node, as a sentence. */
export function useUnsuitableText() {
  const { t } = useTranslation();
  return (u: Unsuitable): string => {
    switch (u.reason) {
      case 'inCluster':
        return t('wizard.hosts.inCluster', { cluster: u.cluster });
      case 'notReady':
        return t('wizard.hosts.notReady', { status: t(`hosts.status.${u.status}`) });
      case 'unsupportedOs':
        return t('wizard.hosts.unsupportedOs', { detail: u.detail });
      case 'noFacts':
        return t('wizard.hosts.noFacts');
      case 'fewCpus':
        return t('wizard.hosts.fewCpus', { cpus: u.cpus, min: MIN_CPUS });
    }
  };
}
