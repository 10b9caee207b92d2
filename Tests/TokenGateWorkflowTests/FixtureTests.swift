// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing
@testable import TokenGateWorkflow

/// The real OpenUnison documents (docs and the Helm chart, rendered with the chart's defaults) pass.
@Suite struct FixtureTests {
    static let names = [
        "OpenUnison_helm-charts__openunison-k8s-cluster-management_templates_workflows_k8s-delete-workflow.yaml",
        "OpenUnison_openunison.github.io__docs_documentation_configuring-openunison.md__my-workflow.yaml",
        "OpenUnison_openunison.github.io__docs_documentation_reference_authentication-mechanisms.md__updateLockout.yaml",
        "OpenUnison_openunison.github.io__docs_documentation_reference_provisioning-tasks.md__add-approver-user.yaml",
        "OpenUnison_openunison.github.io__docs_namespace_as_a_service.md__post-namespace.yaml",
        "OpenUnison_openunison.github.io__docs_scim-gateway.md__target-group-membership.yaml",
    ]

    @Test(arguments: names)
    func realWorkflowIsAcceptedWithoutWarnings(name: String) throws {
        let result = ManifestLinter().lint(text: try fixture(name))
        #expect(result.checked.count == 1)
        let problems = result.diagnostics.filter { $0.path != "metadata.name" }
        #expect(problems.isEmpty, "\(lintLines(result))")
    }

    /// The same spec, handed over the way the webhook hands it (a tree, tasks as a string member).
    @Test(arguments: names)
    func realWorkflowSpecIsAllowedByTheWebhookEntryPoint(name: String) throws {
        let read = YAMLReader(aliasRule: .resolve, limits: .default).read(Array(try fixture(name).utf8))
        let object = try #require(read.documents.first?.root)
        let spec = try #require(object["spec"])
        let report = WorkflowValidator().validateWorkflow(spec: spec, apiVersion: "openunison.tremolo.io/v1")
        #expect(report.isAllowed)
        #expect(report.diagnostics.isEmpty, "\(lines(report))")
    }

    /// The docs' updateLockout example has a camelCase name, which the API server refuses.
    @Test func camelCaseNameFromTheDocsIsRejected() throws {
        let result = ManifestLinter().lint(text: try fixture(Self.names[2]))
        #expect(lintLines(result) == [
            "4:9 error metadata.name: \"updateLockout\" is not a valid name; the API server accepts only lowercase "
                + "letters, digits, \"-\" and \".\" (an RFC 1123 subdomain)"
        ])
        #expect(result.diagnostics.first?.hint?.hasPrefix("use \"updatelockout\"") == true)
    }

    @Test func renderedHelmTemplateHasNoTemplateLeft() throws {
        let template = try fixture(Self.names[0] + ".helm-template")
        let rendered = try fixture(Self.names[0])
        #expect(template.contains("{{ .Values.openunison.naas.groups.external.suffix }}"))
        #expect(!rendered.contains("{{"))
        #expect(rendered.contains("constraint: cn=administrators-external,ou=groups,ou=shadow,o=Tremolo"))
        #expect(rendered.contains("constraint: cn=administrators-internal,ou=groups,ou=shadow,o=Tremolo"))
    }

    /// The un-rendered template is not YAML a cluster would ever see; lint says so instead of crashing.
    @Test func unrenderedHelmTemplateGivesAClearSyntaxError() throws {
        let result = ManifestLinter().lint(text: try fixture(Self.names[0] + ".helm-template"))
        #expect(result.errorCount >= 1)
        #expect(result.diagnostics.allSatisfy { $0.filePosition != nil })
    }
}
