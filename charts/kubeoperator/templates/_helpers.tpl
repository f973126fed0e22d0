{{/*
Naming and label helpers, in the style of the prometheus-community charts.
*/}}

{{/* The chart name. */}}
{{- define "kubeoperator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
The full name, prefix of every resource. Truncated to 63 characters (a DNS label); if the
release name already contains the chart name it is used alone.
*/}}
{{- define "kubeoperator.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Chart name and version, for the helm.sh/chart label. */}}
{{- define "kubeoperator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The six services, in start order. */}}
{{- define "kubeoperator.services" -}}
{{- list "inventory" "provisioning" "deployment" "observability" "backup" "gateway" | toJson -}}
{{- end -}}

{{/* Labels of every resource. */}}
{{- define "kubeoperator.labels" -}}
helm.sh/chart: {{ include "kubeoperator.chart" . }}
{{ include "kubeoperator.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: {{ include "kubeoperator.name" . }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Selector labels shared by every component of a release. */}}
{{- define "kubeoperator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kubeoperator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/*
Name of one service's resources (Deployment, Service, PDB): <fullname>-<component>.
The full name is cut to 49 characters so that the longest suffix (-observability) still
fits a 63-character DNS label. Call with (dict "root" $ "component" "inventory").
*/}}
{{- define "kubeoperator.componentName" -}}
{{- printf "%s-%s" (include "kubeoperator.fullname" .root | trunc 49 | trimSuffix "-") .component -}}
{{- end -}}

{{/* Labels of one service's resources. Call with (dict "root" $ "component" "inventory"). */}}
{{- define "kubeoperator.componentLabels" -}}
{{ include "kubeoperator.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Selector labels of one service. Call with (dict "root" $ "component" "inventory"). */}}
{{- define "kubeoperator.componentSelectorLabels" -}}
{{ include "kubeoperator.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/*
In-cluster URL of a service, as the gateway's KO_<SERVICE>_URL: the same helper names the
Service, so the two cannot disagree. Call with (dict "root" $ "component" "inventory").
*/}}
{{- define "kubeoperator.serviceURL" -}}
{{- $port := (index .root.Values .component).port -}}
{{- printf "http://%s:%v" (include "kubeoperator.componentName" .) $port -}}
{{- end -}}

{{/*
Image of one service: [global.imageRegistry | image.registry]/<repository>:<tag>[@digest],
where <repository> is <service>.image.repository or <image.repository>/<service>.
Call with (dict "root" $ "component" "inventory").
*/}}
{{- define "kubeoperator.image" -}}
{{- $values := .root.Values -}}
{{- $own := (index $values .component).image | default dict -}}
{{- $registry := $values.global.imageRegistry | default $values.image.registry -}}
{{- $repository := $own.repository | default (printf "%s/%s" $values.image.repository .component) -}}
{{- $tag := $own.tag | default $values.image.tag | default .root.Chart.AppVersion -}}
{{- $image := printf "%s:%s" $repository $tag -}}
{{- if $registry -}}
{{- $image = printf "%s/%s" $registry $image -}}
{{- end -}}
{{- if $own.digest -}}
{{- $image = printf "%s@%s" $image $own.digest -}}
{{- end -}}
{{- $image -}}
{{- end -}}

{{/* imagePullSecrets of every pod (global.imagePullSecrets). */}}
{{- define "kubeoperator.imagePullSecrets" -}}
{{- range .Values.global.imagePullSecrets }}
{{- if kindIs "map" . }}
- {{ toYaml . | trim }}
{{- else }}
- name: {{ . }}
{{- end }}
{{- end }}
{{- end -}}

{{/* The ServiceAccount of the pods. */}}
{{- define "kubeoperator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "kubeoperator.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The Secret holding identityKey, secretKey, adminPassword (and databaseUrl). */}}
{{- define "kubeoperator.secretName" -}}
{{- .Values.secrets.existingSecret | default (include "kubeoperator.fullname" .) -}}
{{- end -}}

{{/*
Where KO_DATABASE_URL comes from: "existingSecret", "secret" (database.url, kept in the
chart's Secret) or "assembled" (from database.* and the password Secret, in the pod).
*/}}
{{- define "kubeoperator.databaseUrlSource" -}}
{{- if .Values.secrets.existingSecret -}}
{{- if .Values.database.url -}}
{{- fail "database.url is not used with secrets.existingSecret: put the URL in that Secret (key secrets.keys.databaseUrl), or set secrets.keys.databaseUrl to \"\" to assemble it from database.*" -}}
{{- else if .Values.secrets.keys.databaseUrl -}}
existingSecret
{{- else -}}
assembled
{{- end -}}
{{- else if .Values.database.url -}}
secret
{{- else -}}
assembled
{{- end -}}
{{- end -}}

{{/*
Environment of one service's container. Secrets are always secretKeyRef, never values.
Call with (dict "root" $ "component" "inventory").
*/}}
{{- define "kubeoperator.env" -}}
{{- $root := .root -}}
{{- $values := $root.Values -}}
{{- $component := .component -}}
{{- $own := index $values $component -}}
{{- $secretName := include "kubeoperator.secretName" $root -}}
{{- $dbSource := include "kubeoperator.databaseUrlSource" $root -}}
- name: KO_ENV
  value: {{ $values.environment | quote }}
- name: KO_HTTP_HOST
  value: "0.0.0.0"
- name: KO_HTTP_PORT
  value: {{ $own.port | quote }}
- name: KO_DATA_DIR
  value: /var/lib/kubeoperator
- name: KO_LOG_LEVEL
  value: {{ $values.logLevel | quote }}
- name: KO_LOG_JSON
  value: {{ $values.logJson | quote }}
- name: KO_NATS_URL
  value: {{ tpl $values.nats.url $root | quote }}
- name: KO_STREAM_REPLICAS
  value: {{ $values.nats.streamReplicas | quote }}
- name: KO_IDENTITY_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $secretName }}
      key: {{ $values.secrets.keys.identityKey }}
{{- if eq $dbSource "assembled" }}
- name: KO_DATABASE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ tpl $values.database.passwordSecret.name $root }}
      key: {{ $values.database.passwordSecret.key }}
- name: KO_DATABASE_URL
  value: {{ printf "postgresql+asyncpg://%s:$(KO_DATABASE_PASSWORD)@%s:%v/%s" $values.database.user (tpl $values.database.host $root) $values.database.port $values.database.name | quote }}
{{- else }}
- name: KO_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ $secretName }}
      key: {{ $values.secrets.keys.databaseUrl | default "databaseUrl" }}
{{- end }}
{{- if has $component (list "inventory" "deployment" "observability" "backup") }}
- name: KO_SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $secretName }}
      key: {{ $values.secrets.keys.secretKey }}
{{- end }}
{{- if eq $component "deployment" }}
{{- $repository := include "kubeoperator.repositoryURL" $root }}
{{- if $repository }}
- name: KO_REPOSITORY_URL
  value: {{ $repository | quote }}
{{- end }}
{{- end }}
{{- if eq $component "gateway" }}
- name: KO_ADMIN_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $secretName }}
      key: {{ $values.secrets.keys.adminPassword }}
{{- /* Optional: an existing Secret without it leaves the gateway's /metrics off (404). */}}
- name: KO_METRICS_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ $secretName }}
      key: {{ $values.secrets.keys.metricsToken }}
      optional: true
- name: KO_COOKIE_SECURE
  value: {{ $own.cookieSecure | quote }}
{{- end }}
{{- /* Every service reaches the others by these (deployment asks inventory and delivers to backup; backup and observability ask deployment). */}}
{{- range $service := list "inventory" "provisioning" "deployment" "observability" "backup" }}
- name: KO_{{ upper $service }}_URL
  value: {{ include "kubeoperator.serviceURL" (dict "root" $root "component" $service) | quote }}
{{- end }}
{{- with $values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- with $own.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/*
Where the cluster nodes reach the offline repository: repository.url, else /repository on the first
ingress host (https when that host has TLS), else nothing (the service's default).
*/}}
{{- define "kubeoperator.repositoryURL" -}}
{{- if .Values.repository.url -}}
{{- tpl .Values.repository.url . -}}
{{- else if and .Values.ingress.enabled .Values.ingress.hosts -}}
{{- $host := tpl ((first .Values.ingress.hosts).host | default "") . -}}
{{- if $host -}}
{{- $tls := false -}}
{{- range .Values.ingress.tls }}{{ if has $host .hosts }}{{ $tls = true }}{{ end }}{{ end -}}
{{- printf "%s://%s/repository" (ternary "https" "http" $tls) $host -}}
{{- end -}}
{{- end -}}
{{- end }}
