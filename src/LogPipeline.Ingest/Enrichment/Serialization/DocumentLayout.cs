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

    /// <summary>
    /// Per <see cref="Program"/> step, the bytes <see cref="DocumentBuilder"/> writes for it, compiled once: a field is
    /// <c>,"name":</c>, an opener <c>,"name":{</c> (the first member of an object skips the leading comma), a close <c>}</c>.
    /// </summary>
    public static readonly byte[][] Templates = Compile(Program);

    public const int Open = -1;
    public const int Close = -2;

    private static byte[][] Compile((int Op, JsonEncodedText Name)[] program)
    {
        var templates = new byte[program.Length][];
        for (var i = 0; i < program.Length; i++)
        {
            var (op, name) = program[i];
            if (op == Close)
            {
                templates[i] = "}"u8.ToArray();
                continue;
            }

            // The names are encoded by JsonEncodedText, as Utf8JsonWriter would have written them.
            var encoded = name.EncodedUtf8Bytes;
            var template = new byte[encoded.Length + (op == Open ? 5 : 4)];
            template[0] = (byte)',';
            template[1] = (byte)'"';
            encoded.CopyTo(template.AsSpan(2));
            template[encoded.Length + 2] = (byte)'"';
            template[encoded.Length + 3] = (byte)':';
            if (op == Open)
            {
                template[^1] = (byte)'{';
            }

            templates[i] = template;
        }

        return templates;
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
