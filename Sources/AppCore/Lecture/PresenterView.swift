import TermRender

/// The presenter's screen (`anonvis present --attach`): the step's narration and notes, the next
/// step, the chapters with the current one marked, elapsed time and the wall clock, and, where
/// room allows, a copy of the audience frame. Pure: drawn from a `LectureSnapshot` and the times.
public struct PresenterView: Sendable {
  public var snapshot: LectureSnapshot
  /// Seconds since the lecture started (the audience process's start).
  public var elapsed: Int
  /// The wall clock, `HH:MM`.
  public var clock: String
  public var ascii: Bool

  public init(snapshot: LectureSnapshot, elapsed: Int, clock: String, ascii: Bool = false) {
    self.snapshot = snapshot
    self.elapsed = elapsed
    self.clock = clock
    self.ascii = ascii
  }

  /// The size of the audience frame's copy at a terminal size (nil: no room for one). The
  /// presenter asks the audience for a frame of this size.
  public static func thumbnailSize(width: Int, height: Int) -> (width: Int, height: Int)? {
    // Beside the text, which keeps at least 36 columns (80 columns of copy from 118, where the
    // audience's diagram fits), and above the chapter list.
    guard width >= minimumSize.width + 2 + 36, height >= minimumSize.height + 2 + 6 else { return nil }
    let w = max(minimumSize.width, min(100, width - 38))
    let h = max(minimumSize.height, min(w / 3, height - 10))
    return (w, h)
  }

  /// The size the presenter asks the audience frame at: the audience's own terminal where it
  /// fits the room ``thumbnailSize(width:height:)`` leaves, so the copy is what the room sees;
  /// else that room (the copy is then laid out afresh at its size, and its title says so).
  public static func copySize(
    width: Int, height: Int, audience: (width: Int, height: Int)?
  ) -> (width: Int, height: Int)? {
    guard let room = thumbnailSize(width: width, height: height) else { return nil }
    guard let audience, audience.width <= room.width, audience.height <= room.height,
      audience.width >= minimumSize.width, audience.height >= minimumSize.height
    else { return room }
    return audience
  }

  /// The copy's title: `audience 80×24` when it is the room's frame, `audience at 100×33 (the
  /// room: 200×60)` when the room's terminal is larger than the copy's room.
  static func copyTitle(_ s: LectureSnapshot, ascii: Bool) -> String {
    let x = ascii ? "x" : "×"
    let copy = "\(s.frameWidth)\(x)\(s.frame.count)"
    guard s.audienceWidth > 0, s.frameWidth > 0 else { return "audience" }
    if s.audienceWidth == s.frameWidth && s.audienceHeight == s.frame.count { return "audience \(copy)" }
    return "audience at \(copy) (the room: \(s.audienceWidth)\(x)\(s.audienceHeight))"
  }

  /// `mm:ss`, or `h:mm:ss` from an hour.
  static func duration(_ seconds: Int) -> String {
    let s = max(0, seconds)
    func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
    return s >= 3600 ? "\(s / 3600):\(two(s / 60 % 60)):\(two(s % 60))" : "\(two(s / 60)):\(two(s % 60))"
  }

  public func render(width: Int, height: Int) -> Buffer {
    var b = Buffer(width: width, height: height)
    let theme = ascii ? Theme.ascii : Theme.unicode
    let s = snapshot
    guard width >= 30, height >= 8 else {
      b.put("presenter: need 30x8", x: 0, y: 0)
      return b
    }
    // Header: who this is, the step, play state and pace, the times.
    b.fill(Rect(x: 0, y: 0, width: width, height: 1), style: theme.header)
    let pace = "\(s.paceTenths / 10).\(s.paceTenths % 10)s"
    let play = s.playing ? (ascii ? "> playing \(pace)" : "▶ playing \(pace)") : "paused"
    let right = "\(play)  \(PresenterView.duration(elapsed))  \(clock) "
    let rightX = max(0, width - Buffer.width(right))
    // The title elided at a word boundary with … when the row is short, never cut mid-word.
    let left = " presenter  step \(s.step)/\(s.stepCount)  \(s.title)"
    b.put(
      elide(left, max(0, rightX - 1), ellipsis: ascii ? "..." : "…"), x: 0, y: 0, style: theme.headerTitle,
      maxX: rightX - 1)
    b.put(right, x: rightX, y: 0, style: theme.header)

    let thumb = PresenterView.thumbnailSize(width: width, height: height)
    // As wide as the frame sent (the room's own size where it fits), at most the room: the
    // notes take the rest.
    let copyWidth = thumb.map { s.frameWidth > 0 && !s.frame.isEmpty ? min(s.frameWidth, $0.width) : $0.width }
    let sideW = copyWidth.map { $0 + 2 } ?? min(32, max(24, width * 3 / 8))
    let textW = width - sideW
    let body = Rect(x: 0, y: 1, width: textW, height: height - 2)
    var side = Rect(x: textW, y: 1, width: sideW, height: height - 2)
    renderText(into: &b, body, theme)
    if let thumb, !s.frame.isEmpty {
      let box = Rect(x: side.x, y: side.y, width: sideW, height: min(s.frame.count, thumb.height) + 2)
      Block(title: Self.copyTitle(s, ascii: ascii), focused: false, theme: theme).render(in: box, into: &b)
      for (i, line) in s.frame.prefix(thumb.height).enumerated() {
        b.put(line, x: box.x + 1, y: box.y + 1 + i, maxX: box.maxX - 1)
      }
      StyleRun.apply(Array(s.frameStyles.prefix(thumb.height)), at: box.x + 1, box.y + 1, clip: box.inset(1), to: &b)
      side = Rect(x: side.x, y: box.maxY, width: side.width, height: side.height - box.height)
    }
    renderChapters(into: &b, side, theme)
    let status = s.prompt.map { " audience: \($0)" } ?? " keys drive the audience  / find, P pin: point  q detach"
    b.put(status, x: 0, y: height - 1, style: s.prompt == nil ? theme.hint : theme.prompt, maxX: width)
    return b
  }

  /// Now, its notes and `say`, then next.
  func renderText(into b: inout Buffer, _ r: Rect, _ theme: Theme) {
    let s = snapshot
    let g = theme.glyphs
    let w = r.width - 2
    var lines: [Line] = []
    var head: [(String, Style)] = [("now  \(s.step) \(s.label)", theme.strong)]
    if let c = s.chapter { head.append(("  [\(c)]", theme.chapter)) }
    lines += wrap(head, w)
    if let p = s.pointing { lines += wrap([("on the audience view: \(p)", theme.chapter)], w) }
    // The notes first: what the lecturer reads; the narration is what the audience reads.
    for n in s.notes { lines += wrap("note: \(n)", w).map { Line($0, theme.note) } }
    if s.notes.isEmpty { lines.append(Line("(no notes for this step)", theme.hint)) }
    for p in s.say { lines += wrap("\(g.openQuote)\(p)\(g.closeQuote)", w).map { Line($0) } }
    lines.append(Line(""))
    lines += wrap([("next \(s.nextLabel.map { "\(s.step + 1) \($0)" } ?? "(end of scene)")", theme.strong)], w)
    if let say = s.nextSay { lines += wrap("  \(g.openQuote)\(say)\(g.closeQuote)", w).map { Line($0, theme.hint) } }
    Block(title: "narration · notes", focused: true, theme: theme).render(in: r, into: &b)
    LineList(lines: lines, theme: theme).render(in: r.inset(1), into: &b)
  }

  /// The chapter list, the current one marked.
  func renderChapters(into b: inout Buffer, _ r: Rect, _ theme: Theme) {
    guard r.height >= 3 else { return }
    Block(title: "chapters", focused: false, theme: theme).render(in: r, into: &b)
    let inner = r.inset(1)
    let mark = ascii ? ">" : "▸"
    let current = snapshot.currentChapter
    // Keep the current chapter in view in a long list.
    let first = max(0, min((current ?? 0) - inner.height / 2, snapshot.chapters.count - inner.height))
    for (row, i) in (first..<snapshot.chapters.count).prefix(inner.height).enumerated() {
      let here = i == current
      b.put(
        "\(here ? mark : " ") \(snapshot.chapters[i])", x: inner.x, y: inner.y + row,
        style: here ? theme.strong : theme.text, maxX: inner.maxX)
    }
    if snapshot.chapters.isEmpty { b.put("(no chapters)", x: inner.x, y: inner.y, style: theme.hint, maxX: inner.maxX) }
  }
}
