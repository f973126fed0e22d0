import { EditOutlined, PlusOutlined } from '@ant-design/icons';
import { App, Button, Card, Empty, Input, Space, Table, Typography, type TableColumnsType } from 'antd';
import type { ComponentType, ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { QueryError } from '../../app/QueryError';
import { DeleteAction } from './DeleteAction';
import { PAGE_SIZE, type Kind, type ResourceList, type Texts } from './useResourceList';

interface Named {
  id: string;
  name: string;
}

/** What an inventory form is given. It is mounted only while open, so each opening starts clean. */
export interface ResourceFormProps<T> {
  projectId: string;
  /** The resource to edit; absent to create one. */
  item?: T;
  onClose: () => void;
  onSaved?: (saved: T) => void;
}

interface Props<T extends Named> {
  list: ResourceList<T>;
  texts: Texts;
  kind: Kind;
  query: { isError: boolean; error: unknown; isLoading: boolean; data?: { items: T[]; total: number } };
  columns: TableColumnsType<T>;
  onDelete: (id: string) => Promise<unknown>;
  /** More toolbar filters, after the search. */
  filters?: ReactNode;
  /** Whether one of those filters is set (the search is known here). */
  filtered?: boolean;
  /** For a writer with nothing to build on yet: where to create what this needs first. */
  needs?: { description: string; to: string; action: string } | false;
  form: ComponentType<ResourceFormProps<T>>;
  /** Row actions for everyone, before edit and delete; with them the actions column shows to readers too. */
  rowActions?: (item: T) => ReactNode;
  actionsWidth?: number;
  children?: ReactNode;
}

/**
 * An inventory list page: title and intro, search and filters, the table with its empty states,
 * edit and delete for writers (a refusal because something uses the resource is shown until read),
 * and the create/edit dialog.
 */
export function ResourcePage<T extends Named>(props: Props<T>) {
  const { list, texts, kind, query, onDelete, filters, filtered, needs, form: ResourceForm, rowActions, actionsWidth = 110, children } = props;
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { current, writer, dialog, projectId } = list;

  const columns: TableColumnsType<T> = [...props.columns];
  if (writer || rowActions) {
    columns.push({
      title: t('common.actions'),
      key: 'actions',
      width: actionsWidth,
      render: (_, item) => (
        <Space size={0}>
          {rowActions?.(item)}
          {writer && (
            <>
              <Button size="small" type="text" icon={<EditOutlined />} aria-label={t('common.edit')} onClick={() => list.openEdit(item)} />
              <DeleteAction
                name={item.name}
                confirm={t(`${texts}.deleteConfirm`, { name: item.name })}
                done={t(`${texts}.deleted`, { name: item.name })}
                onDelete={() => onDelete(item.id)}
              />
            </>
          )}
        </Space>
      ),
    });
  }

  const emptyTestId = `${kind}s-empty`;
  const empty =
    list.q || filtered ? (
      <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t(`${texts}.emptyFiltered`)} />
    ) : !writer ? (
      <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t(`${texts}.emptyReader`)} data-testid={emptyTestId} />
    ) : needs ? (
      <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={needs.description} data-testid={emptyTestId}>
        <Link to={needs.to}>
          <Button type="primary" icon={<PlusOutlined />}>
            {needs.action}
          </Button>
        </Link>
      </Empty>
    ) : (
      <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t(`${texts}.emptyWriter`)} data-testid={emptyTestId}>
        <Button type="primary" icon={<PlusOutlined />} onClick={list.openCreate}>
          {t(`${texts}.create`)}
        </Button>
      </Empty>
    );

  return (
    <Card
      title={t(`${texts}.title`)}
      extra={
        writer && (
          <Button type="primary" icon={<PlusOutlined />} onClick={list.openCreate} data-testid={`${kind}-create`}>
            {t(`${texts}.create`)}
          </Button>
        )
      }
    >
      <Typography.Paragraph type="secondary">{t(`${texts}.intro`)}</Typography.Paragraph>
      {!current.isLoading && !current.project ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('header.noProjectHint')} />
      ) : (
        <>
          <Space wrap style={{ marginBottom: 16 }}>
            <Input.Search allowClear placeholder={t('cloud.search')} onSearch={list.search} style={{ width: 240 }} />
            {filters}
          </Space>
          {query.isError ? (
            <QueryError error={query.error} />
          ) : (
            <Table<T>
              rowKey="id"
              data-testid={`${kind}-table`}
              loading={query.isLoading || current.isLoading}
              columns={columns}
              dataSource={query.data?.items ?? []}
              locale={{ emptyText: empty }}
              pagination={{ current: list.page, pageSize: PAGE_SIZE, total: query.data?.total ?? 0, onChange: list.setPage, hideOnSinglePage: true }}
            />
          )}
        </>
      )}
      {dialog && projectId && (
        <ResourceForm
          projectId={projectId}
          item={dialog.item}
          onClose={list.closeDialog}
          onSaved={(saved) => void message.success(t(dialog.item ? `${texts}.saved` : `${texts}.created`, { name: saved.name }))}
        />
      )}
      {children}
    </Card>
  );
}
