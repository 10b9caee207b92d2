// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import TokenGateHTTP
import TokenGateService

/// The `tokengate` command: a thin shell that parses flags, builds settings and runs one command.
@main
struct TokenGate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokengate",
        abstract: "Kubernetes admission webhook and token broker for OpenUnison clusters.",
        discussion: """
            TokenGate gives OpenUnison-managed workloads short-lived, audience-bound TokenRequest tokens \
            (mutating webhook), checks OpenUnison Workflow and Target objects on apply (validating webhook), \
            and exchanges pods' projected tokens for short-lived tokens that name their pod (RFC 8693 token \
            broker and OIDC issuer). Every command has its own --help.
            """,
        version: TokenGateVersion.current,
        subcommands: [
            ServeCommand.self, CertsCommand.self, MutateCommand.self, LintCommand.self, KeysCommand.self, ExchangeCommand.self, ManifestsCommand.self,
            AuditCommand.self, RenderCommand.self,
        ])
}
