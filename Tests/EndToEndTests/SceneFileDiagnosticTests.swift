import SceneScript
import Testing

@testable import anonvis

/// The problems `SceneLoader` finds in a scene file's bytes before lexing, each with its own id,
/// rendered as every scene error is (the line, escaped, and a caret under the column).
@Suite("A scene file's bytes: NUL (S0001) and invalid UTF-8 (S0002)", .cleansUp)
struct SceneFileDiagnosticTests {
  @Test("S0001: a NUL byte, at its line and column")
  func nulByte() throws {
    let bytes = Array("spawn P1\nsay \"a\0b\"\n".utf8)
    let d = try #require(SceneLoader.firstInvalidByte(bytes))
    #expect(d.id == .nulByte)
    #expect(d.location == SourceLocation(line: 2, column: 7))
    guard case .failure(let e) = SceneLoader.decode(bytes, name: "t.scene") else {
      Issue.record("decoded")
      return
    }
    #expect(e.message == "t.scene:2:7: error: NUL byte in scene file\nsay \"a\\x00b\"\n      ^")
  }

  @Test("S0002: invalid UTF-8, at its line and column")
  func invalidUTF8() throws {
    let bytes = Array("spawn P1\nsay \"caf".utf8) + [0xE9] + Array("\"\n".utf8)
    let d = try #require(SceneLoader.firstInvalidByte(bytes))
    #expect(d.id == .invalidUTF8)
    #expect(d.location == SourceLocation(line: 2, column: 9))
    guard case .failure(let e) = SceneLoader.decode(bytes, name: "t.scene") else {
      Issue.record("decoded")
      return
    }
    #expect(e.message == "t.scene:2:9: error: invalid UTF-8 (byte 0xe9)\nsay \"caf\u{FFFD}\"\n        ^")
    #expect(SceneLoader.firstInvalidByte(Array("spawn P1\nsay \"café\"\n".utf8)) == nil)
  }
}
