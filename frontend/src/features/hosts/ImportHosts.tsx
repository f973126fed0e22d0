import { DownloadOutlined, InboxOutlined } from '@ant-design/icons';
import { Alert, Button, Modal, Result, Space, Spin, Table, Tag, Typography, Upload, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api';
import { describeError } from '../../app/errors';
import { importFormat, useImportHosts, type ImportFormat, type ImportReport } from './api';

type ReportRow = ImportReport['rows'][number];
interface Problem {
  key: string;
  row: number | null;
  field: string;
  message: string;
}

const TEMPLATE = 'name,ip,port,credential\nmaster-1,192.168.1.11,22,root-key\nworker-1,192.168.1.21,22,root-key\n';

function downloadTemplate() {
  const url = URL.createObjectURL(new Blob([TEMPLATE], { type: 'text/csv' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = 'hosts-template.csv';
  a.click();
  URL.revokeObjectURL(url);
}

/** A refused file's problems, one per `rows[N].column` the API named (or the file as a whole). */
function problemsOf(error: unknown): Problem[] {
  if (!(error instanceof ApiError)) return [];
  return error.fieldErrors().map(({ field, message }, i) => {
    const match = /^rows\[(\d+)\]\.(\w+)$/.exec(field);
    return { key: String(i), row: match ? Number(match[1]) : null, field: match ? match[2] : field, message };
  });
}

export function ImportHosts({ projectId, onClose }: { projectId: string; onClose: () => void }) {
  const { t } = useTranslation();
  const run = useImportHosts();
  const [file, setFile] = useState<{ name: string; format: ImportFormat; text: string } | null>(null);
  const [pickError, setPickError] = useState<string | null>(null);

  const pick = async (picked: File) => {
    const format = importFormat(picked.name);
    setPickError(null);
    run.reset();
    if (!format) {
      setFile(null);
      setPickError(t('hosts.import.wrongType', { name: picked.name }));
      return;
    }
    setFile({ name: picked.name, format, text: await picked.text() });
  };

  const submit = () => file && run.mutate({ projectId, text: file.text, format: file.format });
  const again = () => {
    run.reset();
    setFile(null);
  };

  const problems = run.isError ? problemsOf(run.error) : [];
  const rowProblems = problems.filter((p) => p.row !== null);
  const fileProblem = run.isError && !rowProblems.length ? describeError(t, run.error) : null;

  const reportColumns: TableColumnsType<ReportRow> = [
    { title: t('hosts.import.row'), dataIndex: 'row', width: 64 },
    { title: t('hosts.name'), dataIndex: 'name' },
    { title: t('hosts.ip'), dataIndex: 'ip' },
    {
      title: t('hosts.import.result'),
      dataIndex: 'status',
      render: (status: ReportRow['status']) =>
        status === 'registered' ? <Tag color="green">{t('hosts.import.registered')}</Tag> : <Tag color="red">{t('hosts.import.failed')}</Tag>,
    },
    {
      title: t('hosts.import.problem'),
      key: 'error',
      render: (_, r) => r.error && <Typography.Text type="danger">{r.field ? `${r.field}: ${r.error}` : r.error}</Typography.Text>,
    },
  ];
  const problemColumns: TableColumnsType<Problem> = [
    { title: t('hosts.import.row'), dataIndex: 'row', width: 64 },
    { title: t('hosts.import.field'), dataIndex: 'field', width: 120, render: (v: string) => <Typography.Text code>{v}</Typography.Text> },
    { title: t('hosts.import.problem'), dataIndex: 'message' },
  ];

  const report = run.data;
  const footer = report ? (
    <Space>
      <Button onClick={again}>{t('hosts.import.another')}</Button>
      <Button type="primary" onClick={onClose} data-testid="import-close">
        {t('hosts.import.close')}
      </Button>
    </Space>
  ) : (
    <Space>
      <Button onClick={onClose} disabled={run.isPending}>
        {t('common.cancel')}
      </Button>
      <Button type="primary" onClick={submit} disabled={!file} loading={run.isPending} data-testid="import-submit">
        {t('hosts.import.submit')}
      </Button>
    </Space>
  );

  return (
    <Modal open width={760} title={t('hosts.import.title')} footer={footer} onCancel={onClose} mask={{ closable: !run.isPending }} closable={!run.isPending}>
      {report ? (
        <div data-testid="import-report">
          <Result
            status={report.failed === 0 ? 'success' : report.registered === 0 ? 'error' : 'warning'}
            title={t('hosts.import.summary', { registered: report.registered, failed: report.failed })}
            style={{ padding: '8px 0 16px' }}
          />
          <Table<ReportRow> rowKey="row" size="small" columns={reportColumns} dataSource={report.rows} pagination={{ pageSize: 10, hideOnSinglePage: true }} />
        </div>
      ) : run.isPending ? (
        <Spin spinning description={t('hosts.import.running', { name: file?.name ?? '' })}>
          <div style={{ height: 160 }} />
        </Spin>
      ) : (
        <>
          <Typography.Paragraph type="secondary">{t('hosts.import.intro')}</Typography.Paragraph>
          <Typography.Paragraph>
            <Button icon={<DownloadOutlined />} onClick={downloadTemplate} data-testid="import-template">
              {t('hosts.import.template')}
            </Button>
          </Typography.Paragraph>
          <Upload.Dragger
            accept=".csv,.yaml,.yml"
            maxCount={1}
            showUploadList={false}
            beforeUpload={(picked) => {
              void pick(picked);
              return false; // read here, sent by us with the right content type
            }}
            data-testid="import-file"
          >
            <p className="ant-upload-drag-icon">
              <InboxOutlined />
            </p>
            <p className="ant-upload-text">{file ? file.name : t('hosts.import.choose')}</p>
            <p className="ant-upload-hint">{t('hosts.import.limits')}</p>
          </Upload.Dragger>
          {pickError && <Alert type="error" showIcon title={pickError} style={{ marginTop: 16 }} />}
          {fileProblem && <Alert type="error" showIcon title={fileProblem} style={{ marginTop: 16 }} data-testid="import-error" />}
          {rowProblems.length > 0 && (
            <div data-testid="import-problems" style={{ marginTop: 16 }}>
              <Alert type="error" showIcon title={t('hosts.import.refused')} style={{ marginBottom: 8 }} />
              <Table<Problem> rowKey="key" size="small" columns={problemColumns} dataSource={rowProblems} pagination={{ pageSize: 10, hideOnSinglePage: true }} />
            </div>
          )}
        </>
      )}
    </Modal>
  );
}
