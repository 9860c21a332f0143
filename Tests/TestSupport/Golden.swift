import Foundation
import Testing

/// The repository's root directory (scenes/, Tests/, .build/ are under it).
public let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent()

/// Whether this run re-records golden files instead of comparing (`RECORD_GOLDEN=1 swift test`).
public let recordingGolden = ProcessInfo.processInfo.environment["RECORD_GOLDEN"] == "1"

/// Compares text with a golden file (a path relative to the repository root), byte for byte.
/// With `RECORD_GOLDEN=1` the file is written first: review the diff before committing it.
public func assertGolden(
  _ actual: String, _ path: String, _ comment: Comment? = nil,
  sourceLocation: SourceLocation = #_sourceLocation
) throws {
  let golden = repoRoot.appendingPathComponent(path)
  if recordingGolden {
    try actual.write(to: golden, atomically: true, encoding: .utf8)
  }
  let expected = try String(contentsOf: golden, encoding: .utf8)
  #expect(
    actual == expected, comment ?? "differs from \(path); re-record with RECORD_GOLDEN=1 and review",
    sourceLocation: sourceLocation)
}
