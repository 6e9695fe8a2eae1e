using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

namespace Relay.Silo.Hosting;

/// <summary>
/// The ASP.NET Core Data Protection key ring in PostgreSQL (relay_data_protection_keys, deploy/sql/030-relay-catalog.sql),
/// so that every silo encrypts and decrypts channel keys with the same keys and a new silo finds them.
/// </summary>
internal sealed class PostgresKeyRing(NpgsqlDataSource db) : IXmlRepository
{
    // Data Protection calls these synchronously, at start-up and when it rolls a key (every 90 days by default).
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var command = db.CreateCommand("select xml from relay_data_protection_keys order by created_at, friendly_name");
        using var reader = command.ExecuteReader();
        var elements = new List<XElement>();
        while (reader.Read())
        {
            elements.Add(XElement.Parse(reader.GetString(0)));
        }
        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        // Two silos that start together may each make a key; both are kept, and either decrypts what the other wrote.
        using var command = db.CreateCommand("insert into relay_data_protection_keys (friendly_name, xml) values ($1, $2) on conflict do nothing");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = friendlyName });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = element.ToString(SaveOptions.DisableFormatting) });
        command.ExecuteNonQuery();
    }
}
