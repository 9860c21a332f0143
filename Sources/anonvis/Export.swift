import AppCore
import ArgumentParser
import Foundation
import Recording
import ScenePlayer
import SceneScript
import StandardStreams

struct Export: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Publish a scene: a directory with an HTML stepper, per-step SVGs, a cast and a Markdown handout.",
    discussion: """
      Writes DIR/index.html (one self-contained page to step through the scene), DIR/step-NNN.svg \
      (each step's frame; with --png also step-NNN.png), DIR/scene.cast (asciicast v2, a marker per step) and DIR/scene.md (a \
      handout), DIR/scene.svg (the scene animated, for a README's <img>). The directory is built beside DIR and renamed at the end: DIR is either absent \
      or complete. The same scene and options give the same bytes every time.
      """)

  @Argument(help: "Scene file.")
  var file: String

  @Option(name: .shortAndLong, help: "The directory to create.")
  var output: String

  @Flag(help: "Replace DIR if it holds an earlier export (and nothing else).")
  var force = false

  @Option(help: "The step SVGs' colours: light (default) or dark (the page follows the reader's setting).")
  var theme: SVGTheme = .light

  @Option(help: "What of the frame the SVGs keep: none (forest and narration), title (and the header) or full.")
  var chrome: SVGChrome = .full

  @Option(help: ArgumentHelp("Frame size: COLSxROWS, each between 1 and 1000 (e.g. 100x30).", valueName: "COLSxROWS"))
  var size = TerminalSize(width: 100, height: 30)

  @OptionGroup var castOptions: CastOptions

  @Flag(help: "Also step-NNN-mMMM.svg per kernel micro-step, and micro-steps as their own cast events and markers.")
  var micro = false

  @Flag(help: "Also step-NNN.png (and step-NNN-mMMM.png) beside each step SVG, through rsvg-convert (librsvg2-bin).")
  var png = false

  @OptionGroup var limitOptions: LimitOptions

  func run() throws {
    try castOptions.check()
    let converter = PNGConverter.locate()
    if png && converter == nil { throw CLIError.error(PNGConverter.missing) }
    guard let loaded = LoadedScene.load(file, options: limitOptions) else { throw ExitCode(2) }
    // Refuse before the work: an existing DIR without --force, or one that is not an export.
    try ExportDirectory.check(output, force: force)
    var state = AppState(
      timeline: loaded.timeline, fileName: baseName(file),
      options: RenderOptions(ascii: false, colors: true, still: true))
    state.scene = loaded.scene
    let steps = loaded.timeline.stepCount
    let progress = ProgressLine(
      "anonvis: exporting \(TextSafety.escape(baseName(file)))", unit: "steps", quiet: limitOptions.quiet)
    defer { progress.finish() }
    var reached = 0
    var crowded: [(step: Int, rows: Int)] = []
    let files = SceneExport.files(
      state: state,
      options: .init(
        width: size.width, height: size.height, theme: theme, chrome: chrome,
        stepMicros: castOptions.stepMicros, micro: micro, notes: castOptions.notes, castVersion: castOptions.version),
      progress: { step, total in
        reached = step
        return progress.report(step, total)
      }, hidden: { crowded.append(($0, $1)) })
    guard let files, !Interrupt.requested else {
      progress.finish()
      throw CLIError(message: "anonvis: interrupted at step \(reached) of \(steps); nothing written", exitCode: 130)
    }
    var written = files.map { (name: $0.name, bytes: Array($0.text.utf8)) }
    if png {
      for file in files where file.name.hasPrefix("step-") && file.name.hasSuffix(".svg") {
        if Interrupt.requested {
          throw CLIError(message: "anonvis: interrupted while making PNGs; nothing written", exitCode: 130)
        }
        written.append((String(file.name.dropLast(4)) + ".png", try Render.png(file.text, tool: converter)))
      }
    }
    try ExportDirectory.write(written, to: output, force: force)
    progress.finish()
    if let note = Self.crowdedNote(crowded, size: size) { writeStandardError(note + "\n") }
  }

  /// The warning for steps whose frame leaves part of the diagram out of view (a page cannot
  /// scroll): `anonvis: at 100x30 the diagram does not fit at steps 9 to 12 (up to 6 rows out of
  /// view, marked ↑/↓ N more); --size 100x36 or taller shows more`. Nil when every step fits.
  static func crowdedNote(_ crowded: [(step: Int, rows: Int)], size: TerminalSize) -> String? {
    guard let most = crowded.map(\.rows).max() else { return nil }
    var runs: [String] = []
    var i = 0
    while i < crowded.count {
      var j = i
      while j + 1 < crowded.count, crowded[j + 1].step == crowded[j].step + 1 { j += 1 }
      runs.append(i == j ? "\(crowded[i].step)" : "\(crowded[i].step) to \(crowded[j].step)")
      i = j + 1
    }
    let steps = (crowded.count == 1 ? "step " : "steps ") + runs.joined(separator: ", ")
    return
      "anonvis: at \(size.width)x\(size.height) the diagram does not fit at \(steps) (up to \(most) \(most == 1 ? "row" : "rows") out of "
      + "view, marked ↑/↓ N more); --size \(size.width)x\(size.height + most) or taller shows more"
  }
}

/// The directory `export` writes, atomically: built as a hidden sibling (`.NAME.anonvis-XXXXXX`,
/// unpredictable, mode 0755 minus the umask), every file synced, then renamed to the target. A
/// run killed before the rename leaves only the hidden sibling; the target is absent or complete.
/// An existing target is replaced only with `--force`, only when it is a real directory (not a
/// symlink) holding nothing but the files an export writes.
enum ExportDirectory {
  static func check(_ path: String, force: Bool) throws(CLIError) {
    let name = TextSafety.escape(path)
    var info = stat()
    guard lstat(path, &info) == 0 else {
      if errno == ENOENT { return }
      throw OutputFile.cannotWrite(path, errno)
    }
    switch info.st_mode & S_IFMT {
    case S_IFDIR:
      guard force else { throw CLIError(message: "error: \(name) exists; use --force to replace it") }
      let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
      if let other = entries.sorted().first(where: { !SceneExport.isExportName($0) }) {
        throw CLIError(
          message: "error: \(name) holds \(TextSafety.escape(other)), which an export does not write; "
            + "it is not replaced, even with --force")
      }
    case S_IFLNK:
      throw CLIError(message: "error: \(name) is a symlink; name the real path to write there")
    default:
      throw CLIError(message: "error: \(name) exists and is not a directory; it is not replaced, even with --force")
    }
  }

  static func write(_ files: [(name: String, bytes: [UInt8])], to path: String, force: Bool) throws(CLIError) {
    let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    let parent = (trimmed as NSString).deletingLastPathComponent
    let base = (trimmed as NSString).lastPathComponent
    let directory = parent.isEmpty ? "." : parent
    var template = Array("\(directory)/.\(base).anonvis-XXXXXX".utf8CString)
    guard let temp = template.withUnsafeMutableBufferPointer({ p in p.baseAddress.flatMap { mkdtemp($0) } }) else {
      throw OutputFile.cannotWrite(path, errno)
    }
    let tempPath = String(cString: temp)
    chmod(tempPath, 0o755 & ~currentUmask())
    do throws(CLIError) {
      for file in files {
        try OutputFile.replace((tempPath as NSString).appendingPathComponent(file.name), with: file.bytes, force: false)
      }
      try check(trimmed, force: force)
      // An earlier export: swapped with the new one in one step where the kernel can (the target
      // never absent), then removed from where the new one was built.
      if force, access(trimmed, F_OK) == 0, exchange(tempPath, trimmed) {
        try? FileManager.default.removeItem(atPath: tempPath)
        return
      }
      var old: String?
      if force, access(trimmed, F_OK) == 0 {
        let aside = "\(directory)/.\(base).anonvis-old-\(String(UInt64.random(in: .min ... .max), radix: 36))"
        guard rename(trimmed, aside) == 0 else { throw OutputFile.cannotWrite(path, errno) }
        old = aside
      }
      guard rename(tempPath, trimmed) == 0 else {
        let e = errno
        if let old { rename(old, trimmed) }
        throw OutputFile.cannotWrite(path, e)
      }
      if let old { try? FileManager.default.removeItem(atPath: old) }
    } catch {
      try? FileManager.default.removeItem(atPath: tempPath)
      throw error
    }
  }

  /// `renameat2(RENAME_EXCHANGE)` (Linux 3.15, glibc 2.28; looked up at run time, as Swift's
  /// Glibc module does not declare it): swaps two paths atomically. False where the kernel, the
  /// file system or the C library cannot; the caller then renames in two steps.
  static func exchange(_ a: String, _ b: String) -> Bool {
    typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
    guard let symbol = dlsym(nil, "renameat2") else { return false }
    let renameat2 = unsafeBitCast(symbol, to: RenameAt2.self)
    return renameat2(AT_FDCWD, a, AT_FDCWD, b, 1 << 1) == 0  // RENAME_EXCHANGE
  }

  /// The process's umask (read by setting it and setting it back).
  static func currentUmask() -> mode_t {
    let mask = umask(0o022)
    umask(mask)
    return mask
  }
}
