{{/*
Chart name, shortened to the 63 characters a label value allows.
*/}}
{{- define "streamguard-demo.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified app name: release name plus chart name, unless the release name already holds it.
*/}}
{{- define "streamguard-demo.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Chart name and version, for the helm.sh/chart label.
*/}}
{{- define "streamguard-demo.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels on every object.
*/}}
{{- define "streamguard-demo.labels" -}}
helm.sh/chart: {{ include "streamguard-demo.chart" . }}
{{ include "streamguard-demo.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Labels that select the pods; they never change over the life of a release.
*/}}
{{- define "streamguard-demo.selectorLabels" -}}
app.kubernetes.io/name: {{ include "streamguard-demo.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Milliseconds in a duration written the way Spring Boot reads it: a number and one of the units
ms, s, m, h or d ("500ms", "20s", "2m"). Takes a dict with "key" (for the error message) and
"value".
*/}}
{{- define "streamguard-demo.durationMillis" -}}
{{- $value := toString .value | trim }}
{{- if not (regexMatch "^[0-9]+(ms|s|m|h|d)$" $value) }}
{{- fail (printf "%s must be a duration such as 500ms, 20s or 2m (a number and one of the units ms, s, m, h, d), but was %q" .key $value) }}
{{- end }}
{{- /* leading zeros go first: int64 would read "020" as octal */}}
{{- $amount := regexReplaceAll "^0+([0-9])" (regexFind "^[0-9]+" $value) "${1}" | int64 }}
{{- $unit := regexReplaceAll "^[0-9]+" $value "" }}
{{- if eq $unit "ms" }}
{{- $amount }}
{{- else if eq $unit "s" }}
{{- mul $amount 1000 }}
{{- else if eq $unit "m" }}
{{- mul $amount 60000 }}
{{- else if eq $unit "h" }}
{{- mul $amount 3600000 }}
{{- else }}
{{- mul $amount 86400000 }}
{{- end }}
{{- end }}

{{/*
Whole seconds in a duration (see durationMillis). Milliseconds round up, so the grace period
derived from them never falls short.
*/}}
{{- define "streamguard-demo.durationSeconds" -}}
{{- div (add (include "streamguard-demo.durationMillis" .) 999) 1000 }}
{{- end }}

{{/*
Fails unless spring.lifecycle.timeout-per-shutdown-phase is at least streamguard.drain.timeout
plus 1s, the rule the service itself checks at startup: the drain is one shutdown phase, and
Spring gives up on a phase at that timeout and shuts the web server down under live streams.
Failing here stops `helm install` instead of leaving pods that never start.
*/}}
{{- define "streamguard-demo.checkShutdownTimeouts" -}}
{{- $drainValue := .Values.streamguard.drain.timeout }}
{{- $phaseValue := index .Values.spring.lifecycle "timeout-per-shutdown-phase" }}
{{- $drain := include "streamguard-demo.durationMillis" (dict "key" "streamguard.drain.timeout" "value" $drainValue) | int64 }}
{{- $phase := include "streamguard-demo.durationMillis" (dict "key" "spring.lifecycle.timeout-per-shutdown-phase" "value" $phaseValue) | int64 }}
{{- $required := add $drain 1000 }}
{{- if lt $phase $required }}
{{- $shown := ternary (printf "%ds" (div $required 1000)) (printf "%dms" $required) (eq (mod $required 1000) 0) }}
{{- fail (printf "spring.lifecycle.timeout-per-shutdown-phase (%s) must be at least streamguard.drain.timeout (%s) plus 1s, or Spring gives up on the stream drain before it ends and the service refuses to start: set spring.lifecycle.timeout-per-shutdown-phase to %s or more, or lower streamguard.drain.timeout" $phaseValue $drainValue $shown) }}
{{- end }}
{{- end }}

{{/*
terminationGracePeriodSeconds: the preStop sleep, the stream drain and Spring's shutdown phase,
each at its longest, plus a margin for the JVM to exit. Kubernetes counts the preStop hook against
the grace period and sends SIGKILL when it runs out; a shorter period would cut live streams
without a clean end and without their termination reason.
*/}}
{{- define "streamguard-demo.terminationGracePeriodSeconds" -}}
{{- include "streamguard-demo.checkShutdownTimeouts" . }}
{{- $drain := include "streamguard-demo.durationSeconds" (dict "key" "streamguard.drain.timeout" "value" .Values.streamguard.drain.timeout) | int64 }}
{{- $phase := include "streamguard-demo.durationSeconds" (dict "key" "spring.lifecycle.timeout-per-shutdown-phase" "value" (index .Values.spring.lifecycle "timeout-per-shutdown-phase")) | int64 }}
{{- add $drain $phase .Values.lifecycle.preStopSleepSeconds .Values.terminationGraceMarginSeconds }}
{{- end }}

{{/*
The container image.
*/}}
{{- define "streamguard-demo.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/*
The application.yml of the ConfigMap. Route patterns go in bracket form, or Spring would drop
their slashes and asterisks when binding the map keys. The chart's own settings are merged over
extraApplicationConfig, so that server.port, graceful shutdown, the probe groups and the endpoint
exposure stay as the Deployment expects them.
*/}}
{{- define "streamguard-demo.applicationConfig" -}}
{{- $exposure := list "health" "prometheus" }}
{{- if .Values.actuator.exposeStreamsEndpoint }}
{{- $exposure = append $exposure "streams" }}
{{- end }}
{{- $routes := dict }}
{{- range $pattern, $route := .Values.streamguard.routes }}
{{- $key := ternary $pattern (printf "[%s]" $pattern) (hasPrefix "[" $pattern) }}
{{- $_ := set $routes $key $route }}
{{- end }}
{{- $streamguard := omit .Values.streamguard "routes" "trusted-proxies" }}
{{- if $routes }}
{{- $_ := set $streamguard "routes" $routes }}
{{- end }}
{{- /* Left out when empty: the service's own default (no trusted proxy) applies. */}}
{{- with index .Values.streamguard "trusted-proxies" }}
{{- $_ := set $streamguard "trusted-proxies" . }}
{{- end }}
{{- $config := dict
  "server" (dict "port" 8080 "shutdown" "graceful")
  "spring" (dict "lifecycle" (dict "timeout-per-shutdown-phase" (index .Values.spring.lifecycle "timeout-per-shutdown-phase")))
  "management" (dict
    "endpoint" (dict "health" (dict "probes" (dict "enabled" true)))
    "endpoints" (dict "web" (dict "exposure" (dict "include" (join "," $exposure)))))
  "streamguard" $streamguard }}
{{- mustMergeOverwrite (deepCopy .Values.extraApplicationConfig) $config | toYaml }}
{{- end }}
