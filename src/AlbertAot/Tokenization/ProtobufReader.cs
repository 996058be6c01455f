using System;
using System.Buffers.Binary;
using System.IO;

namespace AlbertAot.Tokenization;

/// <summary>
/// Reads the protobuf wire format field by field: the little that spiece.model (a sentencepiece ModelProto) needs,
/// without a protobuf runtime or generated code. Malformed input throws <see cref="InvalidDataException"/>.
/// </summary>
internal ref struct ProtobufReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly string _context;
    private int _position;
    private int _wireType;

    /// <param name="data">One serialized message.</param>
    /// <param name="context">Names the message in error messages, e.g. "ModelProto".</param>
    public ProtobufReader(ReadOnlySpan<byte> data, string context)
    {
        _data = data;
        _context = context;
    }

    /// <summary>Moves to the next field; false at the end of the message.</summary>
    public bool TryReadField(out int fieldNumber)
    {
        if (_position >= _data.Length)
        {
            fieldNumber = 0;
            return false;
        }
        ulong key = ReadVarint();
        fieldNumber = (int)Math.Min(key >> 3, int.MaxValue);
        _wireType = (int)(key & 7);
        if (fieldNumber == 0 || _wireType is not (0 or 1 or 2 or 5))
            throw Malformed($"field key 0x{key:x} (field {key >> 3}, wire type {_wireType}) is not valid here");
        return true;
    }

    /// <summary>The current field as a varint (int32, int64, uint64, bool and enum fields).</summary>
    public ulong ReadVarintField()
    {
        Expect(0);
        return ReadVarint();
    }

    /// <summary>The current field as an int32 (negative values are sign-extended 10-byte varints).</summary>
    public int ReadInt32Field() => unchecked((int)ReadVarintField());

    /// <summary>The current field as a bool.</summary>
    public bool ReadBoolField() => ReadVarintField() != 0;

    /// <summary>The current field as a float (wire type 5).</summary>
    public float ReadFloatField()
    {
        Expect(5);
        return BinaryPrimitives.ReadSingleLittleEndian(Take(4));
    }

    /// <summary>The current field's bytes (strings, bytes and embedded messages).</summary>
    public ReadOnlySpan<byte> ReadLengthDelimitedField()
    {
        Expect(2);
        ulong length = ReadVarint();
        if (length > (ulong)(_data.Length - _position))
            throw Malformed($"a field of {length} bytes runs past the end ({_data.Length - _position} bytes left)");
        return Take((int)length);
    }

    /// <summary>Skips the current field, whatever its wire type.</summary>
    public void SkipField()
    {
        switch (_wireType)
        {
            case 0: ReadVarint(); break;
            case 1: Take(8); break;
            case 2: ReadLengthDelimitedField(); break;
            default: Take(4); break;
        }
    }

    private void Expect(int wireType)
    {
        if (_wireType != wireType)
            throw Malformed($"a field has wire type {_wireType} where {wireType} was expected");
    }

    private ulong ReadVarint()
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (_position >= _data.Length) throw Malformed("a varint runs past the end");
            byte b = _data[_position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
        throw Malformed("a varint is longer than 10 bytes");
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > _data.Length - _position) throw Malformed($"a {count}-byte value runs past the end");
        ReadOnlySpan<byte> slice = _data.Slice(_position, count);
        _position += count;
        return slice;
    }

    private readonly InvalidDataException Malformed(string problem) =>
        new($"Not a valid protobuf {_context}: {problem} (at byte {_position}).");
}
