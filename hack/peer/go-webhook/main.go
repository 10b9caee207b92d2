// SPDX-License-Identifier: Apache-2.0

// Command go-webhook is hack/bench-mutate.sh's peer: the mutating webhook every Go tutorial shows
// (net/http, crypto/tls, encoding/json into map[string]interface{}, standard library only),
// doing TokenGate's projection for a selected workload: automountServiceAccountToken false, a
// read-only mount in every container and initContainer, the projected volume (token with
// audience and expiration, kube-root-ca.crt, downward-API namespace) and the
// tokengate.io/projected annotation. Everything is computed from the request.
//
// It is a yardstick, not a second TokenGate: it knows only the workload kinds with a pod template
// at spec.template, one equality selector and the opt-out annotation, and it leaves a container
// alone that already mounts something at the mount path (so a patched object gets no second
// patch). Tests/e2e/test_bench_peer.py checks its patch gives the object TokenGate's does.
//
//	go-webhook -listen 127.0.0.1:0 -tls-cert tls.crt -tls-key tls.key   # prints "listening on ADDR"
package main

import (
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"time"
)

var (
	listen     = flag.String("listen", "127.0.0.1:8444", "address to serve HTTPS on")
	certFile   = flag.String("tls-cert", "tls.crt", "PEM certificate chain")
	keyFile    = flag.String("tls-key", "tls.key", "PEM private key")
	audience   = flag.String("audience", "https://kubernetes.default.svc", "audience of the projected token")
	expiration = flag.Int("expiration-seconds", 600, "lifetime of the projected token")
	selector   = flag.String("selector", "app=payments-api", "key=value[,key=value]: labels of the object or its pod template that select it")
)

const (
	mountPath  = "/var/run/secrets/kubernetes.io/serviceaccount"
	volumeName = "tokengate-token"
	tokenFile  = "token"
	marker     = "tokengate.io/projected"
)

// Workload kinds ("group/Kind") whose pod template is at spec.template.
var workloads = map[string]bool{"apps/Deployment": true, "apps/StatefulSet": true, "apps/DaemonSet": true}

type operation struct {
	Op    string      `json:"op"`
	Path  string      `json:"path"`
	Value interface{} `json:"value"`
}

type admissionResponse struct {
	UID              string            `json:"uid"`
	Allowed          bool              `json:"allowed"`
	PatchType        string            `json:"patchType,omitempty"`
	Patch            string            `json:"patch,omitempty"`
	AuditAnnotations map[string]string `json:"auditAnnotations,omitempty"`
}

func object(value interface{}, keys ...string) map[string]interface{} {
	m, _ := value.(map[string]interface{})
	for _, key := range keys {
		m, _ = m[key].(map[string]interface{})
	}
	return m
}

// selected: every key=value of -selector is among the labels in metadata.
func selected(metadata map[string]interface{}) bool {
	labels := object(metadata, "labels")
	for _, pair := range strings.Split(*selector, ",") {
		key, value, _ := strings.Cut(pair, "=")
		if labels[key] != value {
			return false
		}
	}
	return true
}

// mutate returns the JSON Patch for request.object and the audit line, or no operations.
func mutate(request map[string]interface{}) ([]operation, string) {
	kind, obj := object(request, "kind"), object(request, "object")
	if !workloads[fmt.Sprint(kind["group"], "/", kind["kind"])] || obj == nil || request["namespace"] == "kube-system" {
		return nil, ""
	}
	if op := request["operation"]; op != "CREATE" && op != "UPDATE" {
		return nil, ""
	}
	metadata, template := object(obj, "metadata"), object(obj, "spec", "template")
	spec := object(template, "spec")
	if spec == nil || !(selected(metadata) || selected(object(template, "metadata"))) ||
		object(metadata, "annotations")["tokengate.io/inject"] == "false" ||
		object(template, "metadata", "annotations")["tokengate.io/inject"] == "false" {
		return nil, ""
	}

	var ops, mounts []operation
	var mounted []string
	mount := map[string]interface{}{"name": volumeName, "mountPath": mountPath, "readOnly": true}
	for _, field := range []string{"initContainers", "containers"} {
		containers, _ := spec[field].([]interface{})
		for i, c := range containers {
			container := object(c)
			existing, isArray := container["volumeMounts"].([]interface{})
			taken := false
			for _, m := range existing {
				taken = taken || strings.TrimRight(fmt.Sprint(object(m)["mountPath"]), "/") == mountPath
			}
			if taken {
				continue
			}
			path := fmt.Sprintf("/spec/template/spec/%s/%d/volumeMounts", field, i)
			if isArray {
				mounts = append(mounts, operation{"add", path + "/-", mount})
			} else {
				mounts = append(mounts, operation{"add", path, []interface{}{mount}})
			}
			mounted = append(mounted, fmt.Sprint(container["name"]))
		}
	}
	if len(mounts) == 0 {
		return nil, ""
	}
	if spec["automountServiceAccountToken"] != false {
		ops = append(ops, operation{"add", "/spec/template/spec/automountServiceAccountToken", false})
	}
	ops = append(ops, mounts...)
	volume := map[string]interface{}{"name": volumeName, "projected": map[string]interface{}{
		"defaultMode": 420,
		"sources": []interface{}{
			map[string]interface{}{"serviceAccountToken": map[string]interface{}{
				"audience": *audience, "expirationSeconds": *expiration, "path": tokenFile}},
			map[string]interface{}{"configMap": map[string]interface{}{
				"name": "kube-root-ca.crt", "items": []interface{}{map[string]interface{}{"key": "ca.crt", "path": "ca.crt"}}}},
			map[string]interface{}{"downwardAPI": map[string]interface{}{"items": []interface{}{map[string]interface{}{
				"path": "namespace", "fieldRef": map[string]interface{}{"apiVersion": "v1", "fieldPath": "metadata.namespace"}}}}},
		},
	}}
	if _, isArray := spec["volumes"].([]interface{}); isArray {
		ops = append(ops, operation{"add", "/spec/template/spec/volumes/-", volume})
	} else {
		ops = append(ops, operation{"add", "/spec/template/spec/volumes", []interface{}{volume}})
	}
	value := fmt.Sprintf("%s;%d", *audience, *expiration)
	if annotations := object(metadata, "annotations"); annotations == nil {
		ops = append(ops, operation{"add", "/metadata/annotations", map[string]interface{}{marker: value}})
	} else if annotations[marker] != value {
		ops = append(ops, operation{"add", "/metadata/annotations/" + strings.ReplaceAll(marker, "/", "~1"), value})
	}
	audit := fmt.Sprintf("%v %v/%v: audience=%s expirationSeconds=%d volume=%s mounted=%s",
		kind["kind"], request["namespace"], request["name"], *audience, *expiration, volumeName, strings.Join(mounted, ","))
	return ops, audit
}

func serveMutate(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		http.Error(w, "POST application/json only", http.StatusUnsupportedMediaType)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 7<<20))
	var review map[string]interface{}
	if err == nil {
		err = json.Unmarshal(body, &review)
	}
	request := object(review, "request")
	if err != nil || request == nil {
		http.Error(w, fmt.Sprintf("not an AdmissionReview: %v", err), http.StatusBadRequest)
		return
	}
	response := admissionResponse{UID: fmt.Sprint(request["uid"]), Allowed: true}
	if ops, audit := mutate(request); len(ops) > 0 {
		patch, err := json.Marshal(ops)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		response.PatchType = "JSONPatch"
		response.Patch = base64.StdEncoding.EncodeToString(patch)
		response.AuditAnnotations = map[string]string{"projection": audit}
	}
	answer, err := json.Marshal(map[string]interface{}{
		"apiVersion": review["apiVersion"], "kind": "AdmissionReview", "response": response})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(answer)
}

func main() {
	flag.Parse()
	cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/mutate", serveMutate)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	server := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		// An empty (non-nil) TLSNextProto turns HTTP/2 off: HTTP/1.1 only, as the API server calls webhooks.
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
	}
	listener, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("listening on %s\n", listener.Addr())
	log.Fatal(server.ServeTLS(listener, "", ""))
}
