import CNCursesW
import Glibc
import TermRender

/// Why the terminal could not be opened.
public struct TerminalError: Error, Sendable {
  public var message: String
}

/// The ncursesw backend: draws cell changes, reads keys, restores the terminal on every exit path.
/// Used from the main thread only. The only type that imports ncurses.
public final class NcursesTerminal: TerminalBackend {
  private var screen: OpaquePointer?
  /// The frame on screen, which the next draw is diffed against (nil: repaint everything).
  private var onScreen: Buffer?
  private var pairs: [Int32: Int16] = [:]
  private var nextPair: Int16 = 1
  /// The colours drawn with: none (no colour asked for, or the terminal has none), 256 when the
  /// terminal has them (`COLORS` ≥ 256), else its 8 or 16.
  public let colorMode: ColorMode
  /// Whether the terminal was asked to report the mouse.
  private let mouse: Bool
  private var ended = false

  /// Opens the terminal named by `TERM` on standard input/output. With `mouse`, clicks and the
  /// wheel are reported where the terminal supports it (`endwin` turns the reporting off again).
  public init(color: Bool, mouse: Bool = false) throws(TerminalError) {
    setlocale(LC_ALL, "")
    guard isatty(STDOUT_FILENO) != 0, isatty(STDIN_FILENO) != 0 else {
      throw TerminalError(message: "standard input and output must be a terminal")
    }
    guard let term = getenv("TERM"), strlen(term) > 0 else {
      throw TerminalError(message: "TERM is not set; cannot drive the terminal")
    }
    let name = String(cString: term)
    if name == "dumb" { throw TerminalError(message: "TERM=dumb cannot show the interactive view") }
    screen = cnc_newterm(term)
    guard screen != nil else {
      throw TerminalError(message: "no terminfo entry for TERM=\(name)")
    }
    cnc_install_signal_handlers()
    cnc_install_fatal_handlers()
    cbreak()
    noecho()
    nonl()
    keypad(cnc_stdscr(), true)
    curs_set(0)
    set_escdelay(25)
    self.mouse = mouse
    if mouse { cnc_enable_mouse() }
    if color && has_colors() {
      start_color()
      use_default_colors()
      // COLORS is known once start_color() has run.
      colorMode = cnc_colors() >= 256 ? .ansi256 : .ansi16
    } else {
      colorMode = .none
    }
    clearok(cnc_stdscr(), true)
  }

  deinit { end() }

  /// Restores the terminal (idempotent).
  public func end() {
    guard !ended else { return }
    ended = true
    // Blank the alternate screen before leaving it: a terminal resized while it was up (tmux)
    // may fill the normal screen, rebuilt at the new size, with rows of the alternate one, which
    // left pieces of the frame above the shell's prompt.
    if screen != nil {
      werase(cnc_stdscr())
      wrefresh(cnc_stdscr())
    }
    curs_set(1)
    endwin()
    if let screen { delscreen(screen) }
    screen = nil
    cnc_flush_stdout()
  }

  /// Whether the locale ncurses runs in encodes text as UTF-8 (`nl_langinfo(CODESET)`).
  public var localeIsUTF8: Bool {
    guard let codeset = nl_langinfo(nl_item(CODESET)) else { return false }
    let name = String(cString: codeset).uppercased()
    return name == "UTF-8" || name == "UTF8"
  }

  /// The terminal size in cells.
  public var size: (width: Int, height: Int) { (Int(cnc_cols()), Int(cnc_lines())) }

  /// A signal that ends the session (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, ...), if any.
  public func pendingSignal() -> Int32? {
    let s = cnc_take_signal()
    return s == 0 ? nil : s
  }

  /// Forgets what is on screen (after a resize or resume): the next draw repaints everything.
  public func invalidate() {
    clearok(cnc_stdscr(), true)
    onScreen = nil
  }

  /// Draws the cells that changed since the last frame and refreshes.
  public func draw(_ frame: Buffer) {
    let changes = frame.diff(from: onScreen)
    onScreen = frame
    for change in changes where !change.cell.text.isEmpty {
      let attrs = attributes(change.cell.style)
      attrset(Int32(bitPattern: attrs))
      _ = change.cell.text.withCString { mvaddstr(Int32(change.y), Int32(change.x), $0) }
    }
    attrset(0)
    refresh()
  }

  /// The attributes and colour pair of a style, as `TerminalStyle` resolves it for the colour
  /// mode (256 colours: dim text in grey, not faint). With 8 colours the bright ones are drawn as
  /// their base colour.
  private func attributes(_ style: Style) -> UInt32 {
    let t = TerminalStyle(style, colors: colorMode)
    var a: UInt32 = 0
    if t.bold { a |= UInt32(cnc_a_bold()) }
    if t.faint { a |= UInt32(cnc_a_dim()) }
    if t.reverse { a |= UInt32(cnc_a_reverse()) }
    if t.underline { a |= UInt32(cnc_a_underline()) }
    if t.fg != nil || t.bg != nil {
      let system = max(8, min(16, Int(cnc_colors())))
      func number(_ c: Int?) -> Int16 { Int16(c.map { $0 < 16 ? $0 % system : $0 } ?? -1) }
      let fg = number(t.fg)
      let bg = number(t.bg)
      let key = (Int32(fg) + 1) << 9 | (Int32(bg) + 1)
      var pair = pairs[key]
      if pair == nil, nextPair < 250 {
        init_pair(nextPair, fg, bg)
        pairs[key] = nextPair
        pair = nextPair
        nextPair += 1
      }
      if let pair { a |= UInt32(cnc_color_pair(Int32(pair))) }
    }
    return a
  }

  /// Waits up to `milliseconds` for input.
  ///
  /// Reads bytes with `wgetch` and decodes UTF-8 here rather than with `wget_wch`: on an invalid
  /// sequence ncurses' `wget_wch` keeps reading until its buffer is full and drops every byte it
  /// read, so one stray byte in pasted text could swallow the Enter and the `:` after it and
  /// turn the rest of the text into commands. Here an invalid byte becomes U+FFFD and the byte
  /// that broke the sequence is read again as the start of the next key.
  ///
  /// A byte that is no input (a control byte no key is bound to, a dropped control sequence or
  /// mouse report) is skipped and the read goes on with what is typed already: nil means no
  /// input came (`TerminalBackend`), and the runtime draws a frame on it, so returning nil for
  /// each skipped byte drew a frame per NUL of a paste (the fuzz corpus at the ':' prompt: 35,000
  /// frames). At most `skipLimit` such bytes are skipped in one read.
  public func read(timeout milliseconds: Int) -> TerminalInput? {
    wtimeout(cnc_stdscr(), Int32(milliseconds))
    for _ in 0..<Self.skipLimit {
      let code = wgetch(cnc_stdscr())
      if code == ERR { return nil }
      if let input = decode(code) { return input }
      // Only what is typed already: the wait asked for was spent on the skipped byte.
      wtimeout(cnc_stdscr(), 0)
    }
    return nil
  }

  /// The most bytes that are no input one read skips before it returns nil (a frame is drawn).
  static let skipLimit = 4096

  /// The input a code read by `wgetch` starts, reading the rest of it (a UTF-8 sequence, a
  /// control sequence); nil when it is none.
  private func decode(_ code: Int32) -> TerminalInput? {
    if code > 0xFF {
      switch code {
      case cnc_key_resize(): return .resize
      case cnc_key_mouse():
        var x: Int32 = 0
        var y: Int32 = 0
        guard mouse else {
          dropMouseReport()
          return nil
        }
        switch cnc_get_mouse(&x, &y) {
        case 1: return .mouse(MouseEvent(.press, x: Int(x), y: Int(y)))
        case 2: return .mouse(MouseEvent(.wheelUp, x: Int(x), y: Int(y)))
        case 3: return .mouse(MouseEvent(.wheelDown, x: Int(x), y: Int(y)))
        default: return nil
        }
      case KEY_LEFT: return .key(.left)
      case KEY_RIGHT: return .key(.right)
      case KEY_UP: return .key(.up)
      case KEY_DOWN: return .key(.down)
      case KEY_ENTER: return .key(.enter)
      case KEY_BACKSPACE: return .key(.backspace)
      case KEY_BTAB: return .key(.backTab)
      case KEY_NPAGE: return .key(.pageDown)
      case KEY_PPAGE: return .key(.pageUp)
      case KEY_HOME: return .key(.home)
      case KEY_END: return .key(.end)
      default: return nil
      }
    }
    let byte = UInt8(truncatingIfNeeded: code)
    if byte >= 0x80 { return .key(.char(readUTF8(lead: byte))) }
    switch byte {
    case 9: return .key(.tab)
    case 10, 13: return .key(.enter)
    case 27: return escapeOrSequence()
    case 8, 127: return .key(.backspace)
    case 4: return .key(.char("q"))  // ctrl-D: end of input quits like q
    case 18: return .key(.char("\u{12}"))  // ctrl-R: redo (`Keymap`)
    default:
      guard byte >= 32 else { return nil }
      return .key(.char(Character(Unicode.Scalar(byte))))
    }
  }

  /// The rest of a mouse report ncurses announced (KEY_MOUSE on `ESC [ <` or `ESC [ M`) when the
  /// mouse was not asked for: read and dropped, never keys. An SGR report goes on with digits and
  /// `;` up to `M` or `m`; an X10 report with three bytes (button, column, row).
  private func dropMouseReport() {
    wtimeout(cnc_stdscr(), 0)
    let first = wgetch(cnc_stdscr())
    guard first != ERR else { return }
    guard (0x30...0x3B).contains(first) else {
      for _ in 0..<2 { _ = wgetch(cnc_stdscr()) }
      return
    }
    for _ in 0..<32 {
      let byte = wgetch(cnc_stdscr())
      if byte == ERR || byte == 0x4D || byte == 0x6D { return }
      guard (0x30...0x3B).contains(byte) else {
        ungetch(byte)
        return
      }
    }
  }

  /// After an ESC that ncurses did not decode as a key: escape itself, or nothing when a control
  /// sequence follows at once (`ESC [ ... final` or `ESC O final`: a key, a mouse report or a focus
  /// event this terminal type does not name). The sequence is read to its end and dropped, so its
  /// bytes never act as keys (the `0` of `ESC [ < 0 ; ...` would otherwise jump to step 0).
  private func escapeOrSequence() -> TerminalInput? {
    wtimeout(cnc_stdscr(), 0)
    let next = wgetch(cnc_stdscr())
    guard next == 0x5B || next == 0x4F else {  // '[' or 'O'
      if next != ERR { ungetch(next) }
      return .key(.escape)
    }
    wtimeout(cnc_stdscr(), 50)
    // Parameter and intermediate bytes (0x20-0x3F), then one final byte (0x40-0x7E); at most 64.
    for count in 0..<64 {
      let byte = wgetch(cnc_stdscr())
      if byte == 0x4D, next == 0x5B, count == 0 {
        // `ESC [ M` then three bytes: an X10 mouse report.
        for _ in 0..<3 { _ = wgetch(cnc_stdscr()) }
        break
      }
      if byte == ERR || byte > 0xFF || (0x40...0x7E).contains(byte) { break }
      if next == 0x4F || !(0x20...0x3F).contains(byte) { break }
    }
    return nil
  }

  /// The rest of a UTF-8 sequence after its lead byte; U+FFFD when it is not valid.
  private func readUTF8(lead: UInt8) -> Character {
    let replacement: Character = "\u{FFFD}"
    let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0
    guard length > 0, lead < 0xF5 else { return replacement }
    var bytes = [lead]
    wtimeout(cnc_stdscr(), 50)
    while bytes.count < length {
      let next = wgetch(cnc_stdscr())
      guard next != ERR else { return replacement }
      guard next <= 0xFF, next & 0xC0 == 0x80 else {
        ungetch(next)
        return replacement
      }
      bytes.append(UInt8(truncatingIfNeeded: next))
    }
    // Overlong forms and surrogates decode to U+FFFD here as well.
    let decoded = String(decoding: bytes, as: UTF8.self)
    guard decoded.unicodeScalars.count == 1, let c = decoded.first else { return replacement }
    return c
  }
}
