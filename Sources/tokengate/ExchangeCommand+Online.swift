// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation
import TokenGateJSON
import TokenGateHTTP
import TokenGateService

extension ExchangeCommand {
    /// `--url`: POSTs the form to a running broker on TokenGate's own TLS client (the same code
    /// the broker uses to reach API servers), prints the JSON answer on stdout.
    func exchangeOnline(url text: String, subjectToken: String) async throws {
        let url: HTTPSURL
        do { url = try HTTPSURL(parsing: text) } catch { throw ValidationError("--url: \(error.message)") }
        let trust: TLSContext
        do {
            if let cacert {
                guard let pem = FileManager.default.contents(atPath: cacert) else { throw BrokerCLIError("cannot read --cacert \(cacert)") }
                trust = try TLSContext.client(trustRoots: .pem([UInt8](pem)))
            } else {
                trust = try TLSContext.client(trustRoots: .system)
            }
        } catch let error as BrokerCLIError {
            throw error
        } catch {
            throw BrokerCLIError("--cacert \(cacert ?? "(system)"): \(error)")
        }
        let client = HTTPSClient(tls: trust, host: url.host, port: url.port, maximumIdleConnections: 0)
        let request = HTTPSRequest(
            .POST, url.target,
            headers: [("content-type", "application/x-www-form-urlencoded"), ("accept", "application/json"), ("user-agent", "tokengate")],
            body: FormEncoding.encode(requestForm(subjectToken: subjectToken)), maxResponseBytes: 1 << 20)
        let response: HTTPSResponse
        do {
            response = try await client.send(request, timeout: .milliseconds(Int64(timeoutSeconds * 1000)))
        } catch {
            FileHandle.standardError.write(Data("Error: cannot reach the broker: \(error.message)\n".utf8))
            throw ExitCode(3)
        }
        let body = String(decoding: response.body, as: UTF8.self)
        guard response.status == 200 else {
            let root = (try? JSONDocument.parse(response.body))?.rootNode
            let what = [root?["error"]?.string, root?["error_description"]?.string].compactMap { $0 }.joined(separator: ": ")
            FileHandle.standardError.write(Data("Error: the broker answered HTTP \(response.status)\(what.isEmpty ? "" : " " + what)\n".utf8))
            if !body.isEmpty { print(body) }
            throw ExitCode(1)
        }
        print(body)
    }
}
