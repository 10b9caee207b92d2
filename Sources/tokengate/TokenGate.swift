// SPDX-License-Identifier: Apache-2.0
import ArgumentParser

@main
struct TokenGate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tokengate", abstract: "TokenGate", subcommands: [MutateCommand.self, KeysCommand.self, ExchangeCommand.self, ManifestsCommand.self])
}
