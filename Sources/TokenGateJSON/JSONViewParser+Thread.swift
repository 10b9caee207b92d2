// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#endif

extension JSONView {
    /// Parses with this thread's parser for `limits`, made on the thread's first parse with those
    /// limits and kept until the thread ends.
    ///
    /// For small documents read on every request by code that has no parser of its own to keep (a
    /// JWS header and its claims, a TokenReview or Pod answer): making a ``JSONViewParser`` per
    /// parse allocates simdjson's buffers (hundreds of KiB) each time, and a parser must never be
    /// shared between threads. In the server the threads are the event loops and the few
    /// concurrency-pool threads, so this is one parser per event loop, as ``JSONViewParser`` asks.
    /// - Throws: ``JSONError``, as ``JSONViewParser/parse(_:)-(UnsafeRawBufferPointer)`` does.
    public static func parseOnThisThread(_ bytes: UnsafeRawBufferPointer, limits: JSONLimits = .default) throws(JSONError) -> JSONView {
        try ThreadParsers.current.parser(for: limits).parse(bytes)
    }

    public static func parseOnThisThread(_ bytes: [UInt8], limits: JSONLimits = .default) throws(JSONError) -> JSONView {
        try bytes.withUnsafeBytes { raw in Result { () throws(JSONError) in try parseOnThisThread(raw, limits: limits) } }.get()
    }

    /// Like ``parseOnThisThread(_:limits:)-([UInt8],_)``, but a refused text throws the error
    /// ``JSONDocument/parse(_:limits:)-([UInt8],_)`` gives (read again by Jansson, only on failure),
    /// for callers that put the parser's message in theirs and promise Jansson's wording.
    public static func parseOnThisThread(_ bytes: [UInt8], limits: JSONLimits = .default, errorsAsDocument: Bool) throws(JSONError) -> JSONView {
        do {
            return try parseOnThisThread(bytes, limits: limits)
        } catch {
            guard errorsAsDocument else { throw error }
            do {
                _ = try JSONDocument.parse(bytes, limits: limits)
            } catch let janssonError as JSONError {
                throw janssonError
            } catch {}
            throw error  // the one text the view refuses and Jansson takes (a raw NUL after a literal)
        }
    }
}

/// The parsers of one thread, found through a POSIX thread-specific key and released with the thread.
private final class ThreadParsers {
    private var parsers: [(maxDepth: Int, maxBytes: Int, parser: JSONViewParser)] = []

    func parser(for limits: JSONLimits) -> JSONViewParser {
        for entry in parsers where entry.maxDepth == limits.maxDepth && entry.maxBytes == limits.maxBytes {
            return entry.parser
        }
        let parser = JSONViewParser(limits: limits)
        // Callers use a handful of fixed limits; the bound only guards against a caller that doesn't.
        if parsers.count >= 8 { parsers.removeFirst() }
        parsers.append((limits.maxDepth, limits.maxBytes, parser))
        return parser
    }

    static var current: ThreadParsers {
        if let stored = pthread_getspecific(key) {
            return Unmanaged<ThreadParsers>.fromOpaque(stored).takeUnretainedValue()
        }
        let made = ThreadParsers()
        pthread_setspecific(key, Unmanaged.passRetained(made).toOpaque())
        return made
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        let created = pthread_key_create(&key) { stored in
            guard let stored else { return }
            Unmanaged<ThreadParsers>.fromOpaque(stored).release()
        }
        precondition(created == 0, "cannot create a thread-specific key for JSON parsers")
        return key
    }()
}
