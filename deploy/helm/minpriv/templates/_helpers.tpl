{{/* Labels every object carries. */}}
{{- define "minpriv.labels" -}}
app.kubernetes.io/name: minpriv
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: minpriv
{{- if not .Values.plainManifests }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end }}
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "component" "controller"). */}}
{{- define "minpriv.selectorLabels" -}}
app.kubernetes.io/name: minpriv
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "minpriv.componentLabels" -}}
{{ include "minpriv.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "minpriv.fullname" -}}
{{- if eq .Release.Name "minpriv" -}}minpriv{{- else -}}{{ printf "%s-minpriv" .Release.Name | trunc 50 | trimSuffix "-" }}{{- end -}}
{{- end -}}

{{- define "minpriv.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{/* Pod-level security context of every minpriv pod. */}}
{{- define "minpriv.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.runAsUser }}
runAsGroup: {{ .Values.runAsGroup }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Container-level security context of every minpriv container. */}}
{{- define "minpriv.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
runAsUser: {{ .Values.runAsUser }}
runAsGroup: {{ .Values.runAsGroup }}
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* "true" when the webhook's certificate comes from cert-manager. */}}
{{- define "minpriv.useCertManager" -}}
{{- $v := toString .Values.webhook.certManager.enabled -}}
{{- if eq $v "true" -}}true
{{- else if and (eq $v "auto") (.Capabilities.APIVersions.Has "cert-manager.io/v1") -}}true
{{- end -}}
{{- end -}}
