using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace AlbertAot.Generator.Json;

/// <summary>The input is not valid JSON (or nests deeper than the parser allows).</summary>
internal sealed class JsonParseException(string message, int line, int column, string? duplicateKey = null, int depth = 0) : Exception(message)
{
    public int Line { get; } = line;
    public int Column { get; } = column;

    /// <summary>The key an object repeats, when that is the error (null otherwise).</summary>
    public string? DuplicateKey { get; } = duplicateKey;

    /// <summary>For a duplicate key: the nesting depth of the object repeating it (1 = the top-level object).</summary>
    public int Depth { get; } = depth;
}

/// <summary>
/// A strict RFC 8259 parser. The generator cannot load System.Text.Json into every compiler host (it would have to
/// ship beside the analyzer and match the host's copy), and config.json and safetensors headers are small, so a
/// few hundred lines of our own are the dependable choice. Nesting is bounded (no stack overflow on hostile input)
/// and duplicate object keys are an error (safetensors headers must not repeat a tensor).
/// </summary>
internal sealed class JsonParser
{
    public const int MaxDepth = 64;

    private readonly string _text;
    private int _pos;

    private JsonParser(string text) => _text = text;

    public static JsonValue Parse(string text)
    {
        var parser = new JsonParser(text);
        parser.SkipWhitespace();
        JsonValue value = parser.ParseValue(0);
        parser.SkipWhitespace();
        if (parser._pos != text.Length) throw parser.Error("unexpected text after the top-level value");
        return value;
    }

    private JsonValue ParseValue(int depth)
    {
        if (_pos >= _text.Length) throw Error("unexpected end of text, expected a value");
        char c = _text[_pos];
        switch (c)
        {
            case '{': return ParseObject(depth + 1);
            case '[': return ParseArray(depth + 1);
            case '"': return JsonValue.String(ParseString());
            case 't': Expect("true"); return JsonValue.True;
            case 'f': Expect("false"); return JsonValue.False;
            case 'n': Expect("null"); return JsonValue.Null;
            default:
                if (c == '-' || (c >= '0' && c <= '9')) return JsonValue.Number(ParseNumber());
                throw Error($"unexpected character '{Printable(c)}'");
        }
    }

    private JsonValue ParseObject(int depth)
    {
        if (depth > MaxDepth) throw Error($"nesting deeper than {MaxDepth} levels");
        _pos++; // {
        var members = new List<KeyValuePair<string, JsonValue>>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        SkipWhitespace();
        if (Peek() == '}') { _pos++; return JsonValue.Object(members); }
        while (true)
        {
            SkipWhitespace();
            if (Peek() != '"') throw Error("expected a string key");
            int keyStart = _pos;
            string key = ParseString();
            if (!seen.Add(key))
            {
                // Line and column are counted only here: counting them for every key made parsing quadratic in the text.
                _pos = keyStart;
                int keyLine = Line(), keyColumn = Column();
                throw new JsonParseException($"duplicate key \"{key}\" at line {keyLine}, column {keyColumn}", keyLine, keyColumn, key, depth);
            }
            SkipWhitespace();
            if (Peek() != ':') throw Error("expected ':' after a key");
            _pos++;
            SkipWhitespace();
            members.Add(new KeyValuePair<string, JsonValue>(key, ParseValue(depth)));
            SkipWhitespace();
            char next = Peek();
            _pos++;
            if (next == '}') return JsonValue.Object(members);
            if (next != ',') { _pos--; throw Error("expected ',' or '}' in an object"); }
        }
    }

    private JsonValue ParseArray(int depth)
    {
        if (depth > MaxDepth) throw Error($"nesting deeper than {MaxDepth} levels");
        _pos++; // [
        var items = new List<JsonValue>();
        SkipWhitespace();
        if (Peek() == ']') { _pos++; return JsonValue.Array(items); }
        while (true)
        {
            SkipWhitespace();
            items.Add(ParseValue(depth));
            SkipWhitespace();
            char next = Peek();
            _pos++;
            if (next == ']') return JsonValue.Array(items);
            if (next != ',') { _pos--; throw Error("expected ',' or ']' in an array"); }
        }
    }

    private string ParseString()
    {
        _pos++; // opening quote
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= _text.Length) throw Error("unterminated string");
            char c = _text[_pos++];
            if (c == '"') return sb.ToString();
            if (c < ' ') { _pos--; throw Error($"control character U+{(int)c:X4} in a string"); }
            if (c != '\\') { sb.Append(c); continue; }
            if (_pos >= _text.Length) throw Error("unterminated escape");
            char e = _text[_pos++];
            switch (e)
            {
                case '"': sb.Append('"'); break;
                case '\\': sb.Append('\\'); break;
                case '/': sb.Append('/'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'u':
                    if (_pos + 4 > _text.Length ||
                        !int.TryParse(_text.Substring(_pos, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code))
                        throw Error("invalid \\u escape");
                    sb.Append((char)code);
                    _pos += 4;
                    break;
                default: _pos--; throw Error($"invalid escape '\\{Printable(e)}'");
            }
        }
    }

    private string ParseNumber()
    {
        int start = _pos;
        if (Peek() == '-') _pos++;
        if (Peek() == '0') _pos++;
        else if (IsDigit(Peek())) while (IsDigit(Peek())) _pos++;
        else throw Error("invalid number");
        if (Peek() == '.')
        {
            _pos++;
            if (!IsDigit(Peek())) throw Error("invalid number: digits must follow '.'");
            while (IsDigit(Peek())) _pos++;
        }
        if (Peek() == 'e' || Peek() == 'E')
        {
            _pos++;
            if (Peek() == '+' || Peek() == '-') _pos++;
            if (!IsDigit(Peek())) throw Error("invalid number: digits must follow the exponent");
            while (IsDigit(Peek())) _pos++;
        }
        return _text.Substring(start, _pos - start);
    }

    private void Expect(string word)
    {
        if (string.CompareOrdinal(_text, _pos, word, 0, word.Length) != 0) throw Error($"invalid literal, expected '{word}'");
        _pos += word.Length;
    }

    private void SkipWhitespace()
    {
        while (_pos < _text.Length && (_text[_pos] == ' ' || _text[_pos] == '\t' || _text[_pos] == '\n' || _text[_pos] == '\r')) _pos++;
    }

    private char Peek() => _pos < _text.Length ? _text[_pos] : '\0';

    private static bool IsDigit(char c) => c >= '0' && c <= '9';

    private static string Printable(char c) => c < ' ' || c > '~' ? $"U+{(int)c:X4}" : c.ToString();

    private int Line()
    {
        int line = 1;
        for (int i = 0; i < _pos && i < _text.Length; i++) if (_text[i] == '\n') line++;
        return line;
    }

    private int Column()
    {
        int p = Math.Min(_pos, _text.Length);
        int lineStart = p == 0 ? -1 : _text.LastIndexOf('\n', p - 1);
        return p - lineStart;
    }

    private JsonParseException Error(string what)
    {
        int line = Line(), column = Column();
        return new($"{what} at line {line}, column {column}", line, column);
    }
}
