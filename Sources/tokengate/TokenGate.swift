// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import TokenGateServer

@main
struct TokenGate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tokengate", abstract: "TokenGate", version: TokenGateVersion.current, subcommands: [ServeCommand.self, CertsCommand.self, MutateCommand.self, KeysCommand.self, ExchangeCommand.self, LintCommand.self])
}
