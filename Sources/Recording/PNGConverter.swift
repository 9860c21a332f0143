import Foundation

/// SVG to PNG through `rsvg-convert` (librsvg; Debian's `librsvg2-bin`), for `render --format
/// png` and `export --png`: the SVG is written to a private temporary directory and the PNG read
/// from the tool's standard output, at the SVG's size in px.
public enum PNGConverter {
  /// What to tell a user without the tool.
  public static let missing =
    "PNG needs rsvg-convert, which is not installed (on Debian: apt-get install librsvg2-bin)"

  /// The first executable `rsvg-convert` on `PATH`, nil when there is none.
  public static func locate(path: String? = ProcessInfo.processInfo.environment["PATH"]) -> String? {
    for directory in (path ?? "").split(separator: ":") where !directory.isEmpty {
      let candidate = "\(directory)/rsvg-convert"
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
  }

  /// The PNG of `svg`, or the tool's complaint.
  public static func png(_ svg: String, tool: String) -> Result<[UInt8], ConversionError> {
    var template = Array("\(NSTemporaryDirectory())/anonvis-png-XXXXXX".utf8CString)
    guard let made = template.withUnsafeMutableBufferPointer({ p in p.baseAddress.flatMap { mkdtemp($0) } }) else {
      return .failure(
        ConversionError(message: "cannot create a temporary directory: \(String(cString: strerror(errno)))"))
    }
    let directory = String(cString: made)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let input = "\(directory)/frame.svg"
    let errors = "\(directory)/errors"
    guard FileManager.default.createFile(atPath: input, contents: Data(svg.utf8)),
      FileManager.default.createFile(atPath: errors, contents: nil),
      let errorHandle = FileHandle(forWritingAtPath: errors)
    else { return .failure(ConversionError(message: "cannot write a temporary file in \(directory)")) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = ["--format", "png", input]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = errorHandle
    process.standardInput = FileHandle.nullDevice
    do {
      try process.run()
    } catch {
      return .failure(ConversionError(message: "cannot run \(tool): \(error.localizedDescription)"))
    }
    // Standard error goes to a file, so reading standard output to its end cannot deadlock.
    let png = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    try? errorHandle.close()
    guard process.terminationStatus == 0, png.starts(with: [0x89, 0x50, 0x4E, 0x47]) else {
      let said = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
      return .failure(
        ConversionError(
          message: "rsvg-convert failed (status \(process.terminationStatus))"
            + (said.isEmpty ? "" : ": " + said.trimmingCharacters(in: .whitespacesAndNewlines))))
    }
    return .success(Array(png))
  }

  /// Why a conversion failed.
  public struct ConversionError: Error, Sendable {
    public var message: String
  }
}
