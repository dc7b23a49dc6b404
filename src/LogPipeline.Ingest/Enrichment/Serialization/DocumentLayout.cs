using System.Text.Json;

namespace LogPipeline.Ingest.Enrichment.Serialization;

/// <summary>
/// The dotted ECS names turned once into a nesting program: open "source", field "ip", open "geo", …, close.
/// Elasticsearch accepts dotted keys too, but nested objects are what ECS documents and _source readers expect.
/// </summary>
internal static class DocumentLayout
{
    /// <summary>Op &gt;= 0: write field <c>Op</c> (a <see cref="DocumentField"/>); -1: open object <c>Name</c>; -2: close.</summary>
    public static readonly (int Op, JsonEncodedText Name)[] Program = Build();

    /// <summary><see cref="Program"/>'s ops alone (the writer's loop reads nothing else per step).</summary>
    public static readonly int[] Ops = [.. Program.Select(step => step.Op)];

    /// <summary>
    /// Per <see cref="Program"/> step, the bytes <see cref="DocumentBuilder"/> writes for it, compiled once: a field is
    /// <c>,"name":</c>, an opener <c>,"name":{</c> (the first member of an object skips the leading comma), a close
    /// <c>}</c>. Each array is padded with zeros to at least <see cref="TemplatePadding"/> bytes past either start, so
    /// a short template is copied as one fixed-size block; <see cref="TemplateLengths"/> says how much of it counts.
    /// </summary>
    public static readonly byte[][] Templates;

    public static readonly int[] TemplateLengths;

    public const int TemplatePadding = 32;

    /// <summary>For an opener step: the index of its close. The writer jumps there when nothing inside is set.</summary>
    public static readonly int[] Ends;

    /// <summary>For an opener step: the fields inside it, as bits of <see cref="DocumentBuilder"/>'s set-field mask.</summary>
    public static readonly FieldMask[] Inside;

    public const int Open = -1;
    public const int Close = -2;

    static DocumentLayout()
    {
        if (DocumentFields.Names.Length > FieldMask.Capacity)
        {
            throw new InvalidOperationException($"More than {FieldMask.Capacity} document fields: widen FieldMask");
        }

        (Templates, TemplateLengths) = CompileTemplates(Program);
        (Ends, Inside) = CompileObjects(Program);
    }

    private static (byte[][], int[]) CompileTemplates((int Op, JsonEncodedText Name)[] program)
    {
        var templates = new byte[program.Length][];
        var lengths = new int[program.Length];
        for (var i = 0; i < program.Length; i++)
        {
            var (op, name) = program[i];
            byte[] template;
            if (op == Close)
            {
                template = "}"u8.ToArray();
            }
            else
            {
                // The names are encoded by JsonEncodedText, as Utf8JsonWriter would have written them.
                var encoded = name.EncodedUtf8Bytes;
                template = new byte[encoded.Length + (op == Open ? 5 : 4)];
                template[0] = (byte)',';
                template[1] = (byte)'"';
                encoded.CopyTo(template.AsSpan(2));
                template[encoded.Length + 2] = (byte)'"';
                template[encoded.Length + 3] = (byte)':';
                if (op == Open)
                {
                    template[^1] = (byte)'{';
                }
            }

            lengths[i] = template.Length;
            Array.Resize(ref template, template.Length + TemplatePadding + 1);
            templates[i] = template;
        }

        return (templates, lengths);
    }

    private static (int[], FieldMask[]) CompileObjects((int Op, JsonEncodedText Name)[] program)
    {
        var ends = new int[program.Length];
        var inside = new FieldMask[program.Length];
        var open = new Stack<int>();
        for (var i = 0; i < program.Length; i++)
        {
            var op = program[i].Op;
            if (op == Open)
            {
                open.Push(i);
            }
            else if (op == Close)
            {
                ends[open.Pop()] = i;
            }
            else
            {
                foreach (var opener in open)
                {
                    inside[opener] = inside[opener].With(op);
                }
            }
        }

        return (ends, inside);
    }

    private static (int, JsonEncodedText)[] Build()
    {
        if (DocumentFields.Names.Length != Enum.GetValues<DocumentField>().Length)
        {
            throw new InvalidOperationException("DocumentFields.Names and DocumentField are out of step");
        }

        var root = new Node();
        for (var i = 0; i < DocumentFields.Names.Length; i++)
        {
            var name = DocumentFields.Names[i];

            // "@timestamp" and other top-level names have no dot; "source.geo.country_name" nests twice.
            var segments = name.Split('.');
            var node = root;
            foreach (var segment in segments[..^1])
            {
                node = node.Child(segment);
            }

            node.Items.Add((segments[^1], i, null));
        }

        var program = new List<(int, JsonEncodedText)>();
        Emit(root, program);
        return [.. program];
    }

    private static void Emit(Node node, List<(int, JsonEncodedText)> program)
    {
        foreach (var (name, field, child) in node.Items)
        {
            if (child is null)
            {
                program.Add((field, JsonEncodedText.Encode(name)));
            }
            else
            {
                program.Add((Open, JsonEncodedText.Encode(name)));
                Emit(child, program);
                program.Add((Close, default));
            }
        }
    }

    private sealed class Node
    {
        public List<(string Name, int Field, Node? Child)> Items { get; } = [];

        public Node Child(string name)
        {
            foreach (var item in Items)
            {
                if (item.Child is not null && item.Name == name)
                {
                    return item.Child;
                }
            }

            var child = new Node();
            Items.Add((name, -1, child));
            return child;
        }
    }
}

/// <summary>A set of <see cref="DocumentField"/>s as bits (two words: up to 128 fields).</summary>
internal readonly record struct FieldMask(ulong Low, ulong High)
{
    public const int Capacity = 128;

    public FieldMask With(int field) => field < 64 ? this with { Low = Low | (1UL << field) } : this with { High = High | (1UL << (field - 64)) };

    public bool Overlaps(FieldMask other) => ((Low & other.Low) | (High & other.High)) != 0;
}
