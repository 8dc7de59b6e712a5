using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace ScanScope.Enrichment;

/// <summary>
/// IPv4 → ASN and organization from sorted, non-overlapping address ranges: the compact form of
/// ip-location-db's <c>asn-ipv4.csv</c> that <c>scanscope geo fetch</c> writes
/// (about 9 MB for 400k ranges, loaded in milliseconds, looked up by binary search).
/// </summary>
public sealed class AsnRangeTable
{
    private static readonly byte[] Magic = "SSASN\u0001\0\0"u8.ToArray();
    private readonly uint[] _starts;
    private readonly uint[] _ends;
    private readonly uint[] _asns;
    private readonly int[] _organizationIndex;
    private readonly string[] _organizations;

    private AsnRangeTable(uint[] starts, uint[] ends, uint[] asns, int[] organizationIndex, string[] organizations)
    {
        _starts = starts;
        _ends = ends;
        _asns = asns;
        _organizationIndex = organizationIndex;
        _organizations = organizations;
    }

    /// <summary>Number of ranges.</summary>
    public int Count => _starts.Length;

    /// <summary>ASN and organization of <paramref name="address"/>; default when no range holds it.</summary>
    public IpInfo Lookup(uint address)
    {
        // The last range starting at or before the address.
        int lo = 0, hi = _starts.Length - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_starts[mid] <= address)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        if (found < 0 || address > _ends[found])
        {
            return default;
        }

        var organization = _organizations[_organizationIndex[found]];
        return new IpInfo(null, _asns[found], organization.Length == 0 ? null : organization);
    }

    /// <summary>
    /// Reads CSV rows <c>range_start,range_end,asn,organization</c> (inclusive ranges; addresses
    /// dotted or numeric; the organization may be quoted with "" escapes). Rows that do not parse
    /// as IPv4 (an IPv6 row, a header) are skipped.
    /// </summary>
    public static AsnRangeTable FromCsv(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var rows = new List<(uint Start, uint End, uint Asn, int Org)>();
        var organizations = new List<string>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var fields = new List<string>(4);
        while (reader.ReadLine() is { } line)
        {
            CsvFields.Split(line, fields);
            if (fields.Count < 3 || !TryParseAddress(fields[0], out var start) || !TryParseAddress(fields[1], out var end)
                || !uint.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var asn) || end < start)
            {
                continue;
            }

            var organization = fields.Count > 3 ? fields[3] : "";
            if (!index.TryGetValue(organization, out var org))
            {
                org = organizations.Count;
                organizations.Add(organization);
                index[organization] = org;
            }

            rows.Add((start, end, asn, org));
        }

        rows.Sort((a, b) => a.Start.CompareTo(b.Start));
        return new AsnRangeTable(
            [.. rows.Select(r => r.Start)], [.. rows.Select(r => r.End)], [.. rows.Select(r => r.Asn)],
            [.. rows.Select(r => r.Org)], [.. organizations]);
    }

    /// <summary>Writes the compact binary form.</summary>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(_starts.Length);
        writer.Write(_organizations.Length);
        for (var i = 0; i < _starts.Length; i++)
        {
            writer.Write(_starts[i]);
            writer.Write(_ends[i]);
            writer.Write(_asns[i]);
            writer.Write(_organizationIndex[i]);
        }

        foreach (var organization in _organizations)
        {
            writer.Write(organization);
        }
    }

    /// <summary>Reads the compact binary form; throws <see cref="InvalidDataException"/> when it is not one.</summary>
    public static AsnRangeTable Load(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            if (!reader.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
            {
                throw new InvalidDataException("not a ScanScope ASN range table");
            }

            var count = reader.ReadInt32();
            var organizationCount = reader.ReadInt32();
            if (count < 0 || organizationCount < 0)
            {
                throw new InvalidDataException("damaged ASN range table header");
            }

            var block = reader.ReadBytes(checked(count * 16));
            if (block.Length != count * 16)
            {
                throw new InvalidDataException("ASN range table is truncated");
            }

            var starts = new uint[count];
            var ends = new uint[count];
            var asns = new uint[count];
            var orgs = new int[count];
            for (var i = 0; i < count; i++)
            {
                var row = block.AsSpan(i * 16, 16);
                starts[i] = BinaryPrimitives.ReadUInt32LittleEndian(row);
                ends[i] = BinaryPrimitives.ReadUInt32LittleEndian(row[4..]);
                asns[i] = BinaryPrimitives.ReadUInt32LittleEndian(row[8..]);
                orgs[i] = BinaryPrimitives.ReadInt32LittleEndian(row[12..]);
                if ((uint)orgs[i] >= (uint)organizationCount)
                {
                    throw new InvalidDataException("damaged ASN range table row");
                }
            }

            var organizations = new string[organizationCount];
            for (var i = 0; i < organizationCount; i++)
            {
                organizations[i] = reader.ReadString();
            }

            return new AsnRangeTable(starts, ends, asns, orgs, organizations);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("ASN range table is truncated", e);
        }
    }

    internal static bool TryParseAddress(string text, out uint address)
    {
        if (uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out address))
        {
            return true;
        }

        if (System.Net.IPAddress.TryParse(text, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
        {
            address = BinaryPrimitives.ReadUInt32BigEndian(ip.GetAddressBytes());
            return true;
        }

        return false;
    }
}
