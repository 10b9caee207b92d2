// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateAdmission
import TokenGateJSON

@Suite("Offline mutation: manifests, YAML, diff")
struct OfflineTests {
    static let manifests = """
        apiVersion: v1
        kind: ServiceAccount
        metadata:
          name: openunison-orchestra
          labels:
            app.kubernetes.io/part-of: openunison
        ---
        # a comment-only document is skipped
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          labels: {tokengate.io/inject: "true"}
          annotations:
            version: "1.10"
            enabled: "yes"
        spec:
          replicas: 2
          template:
            metadata:
              labels: {app: web}
            spec:
              containers:
              - name: web
                image: nginx
                ports: [{containerPort: 8080}]
        """

    @Test("reads multi-document YAML, types scalars like kubectl and keeps quoted strings as strings")
    func readsYAML() throws {
        let objects = try ManifestReader.objects(from: Self.manifests)
        #expect(objects.count == 2)
        let deployment = objects[1].rootNode
        #expect(deployment.at("/spec/replicas")?.int == 2)
        #expect(deployment.at("/metadata/annotations/version")?.string == "1.10")
        #expect(deployment.at("/metadata/annotations/enabled")?.string == "yes")
        #expect(deployment.at("/spec/template/spec/containers/0/ports/0/containerPort")?.int == 8080)
    }

    @Test("reads JSON, a JSON array and kind: List; refuses objects without apiVersion/kind and duplicate keys")
    func readsJSONAndLists() throws {
        #expect(try ManifestReader.objects(from: #"{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Pod"},{"apiVersion":"v1","kind":"Pod"}]}"#).count == 2)
        #expect(try ManifestReader.objects(from: #" [{"apiVersion":"v1","kind":"Pod"}]"#).count == 1)
        #expect(throws: ManifestError.self) { try ManifestReader.objects(from: "metadata: {name: x}\n") }
        #expect(throws: ManifestError.self) { try ManifestReader.objects(from: "apiVersion: v1\nkind: Pod\nkind: Pod\n") }
        #expect(throws: ManifestError.self) { try ManifestReader.objects(from: "{\"apiVersion\": ") }
        // Anchors and aliases are resolved, as kubectl does.
        #expect(try ManifestReader.objects(from: "a: &x 1\nb: *x\napiVersion: v1\nkind: Pod\n")[0].rootNode["b"]?.int == 1)
    }

    @Test("YAML output quotes strings that would read as other types, and reads back to the same JSON")
    func yamlRoundTrip() throws {
        let value: JSON = ["s": "600", "b": "true", "y": "yes", "n": "null", "e": "", "t": "~", "f": "1.5", "i": 600, "r": 1.5, "z": nil, "ok": "plain text", "multi": "a\nb\n"]
        let document = value.document()
        let yaml = try YAMLBridge.yaml(documents: [document.rootNode])
        #expect(yaml.contains("s: \"600\"") && yaml.contains("b: \"true\"") && yaml.contains("\"y\": \"yes\"") && yaml.contains("i: 600"))
        let back = try ManifestReader.objects(from: "apiVersion: v1\nkind: X\n" + yaml)[0].rootNode
        for (key, node) in document.rootNode.members {
            #expect(back[key]?.isEqual(to: node) == true, "\(key): \(back[key]?.jsonText ?? "missing")")
        }
    }

    @Test("offline mutation applies the server's logic as a CREATE and the patch applies")
    func offlineMutation() throws {
        let handler = TokenGateAdmissionHandler(settings: ProjectionSettings(enabled: true))
        let offline = OfflineMutation(handler: handler, namespace: "openunison")
        let objects = try ManifestReader.objects(from: Self.manifests)
        let serviceAccount = try offline.mutate(objects[0], index: 1)
        #expect(serviceAccount.label == "ServiceAccount openunison/openunison-orchestra")
        #expect(serviceAccount.result.rootNode["automountServiceAccountToken"]?.bool == false)
        let deployment = try offline.mutate(objects[1], index: 2)
        #expect(deployment.result.rootNode.at("/spec/template/spec/volumes/0/name")?.string == "tokengate-token")
        #expect(deployment.result.rootNode.at("/metadata/namespace") == nil)
        // Running again on the output changes nothing.
        let again = try offline.mutate(deployment.result, index: 2)
        #expect(again.decision.patch.isEmpty)
        // kube-system is skipped offline too.
        let skipped = try OfflineMutation(handler: handler, namespace: "kube-system").mutate(objects[1], index: 2)
        #expect(skipped.decision.patch.isEmpty && skipped.result.rootNode.isEqual(to: objects[1].rootNode))
    }

    @Test("unified diff shows only changed lines with context and correct hunk headers")
    func diff() {
        let old = (1...20).map { "line \($0)" }.joined(separator: "\n") + "\n"
        var lines = (1...20).map { "line \($0)" }
        lines[9] = "line ten"
        lines.insert("inserted", at: 15)
        let new = lines.joined(separator: "\n") + "\n"
        let diff = LineDiff.unified(old, new, oldName: "a/x", newName: "b/x")
        #expect(diff.hasPrefix("--- a/x\n+++ b/x\n@@ -7,"))
        #expect(diff.contains("-line 10\n+line ten\n"))
        #expect(diff.contains("+inserted\n"))
        #expect(!diff.contains("line 1\n") && !diff.contains(" line 20"))
        #expect(LineDiff.unified(old, old, oldName: "a", newName: "b").isEmpty)
    }
}
