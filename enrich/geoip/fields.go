package geoip

import (
	"encoding/hex"
	"fmt"
	"math/big"
	"strconv"
	"time"

	"github.com/oschwald/geoip2-golang/v2"
	"github.com/oschwald/maxminddb-golang/v2"

	"github.com/casefile/casefile/enrich"
)

// fieldSet builds an observation's Fields, leaving out empty values.
type fieldSet map[string]any

func (f fieldSet) str(k, v string) {
	if v != "" {
		f[k] = v
	}
}

func (f fieldSet) num(k string, v uint64) {
	if v != 0 {
		f[k] = int64(min(v, 1<<62))
	}
}

func (f fieldSet) flag(k string, v bool) {
	if v {
		f[k] = true
	}
}

// decode turns a found record into Fields, or nil when the record says
// nothing. validAt is set when the record carries its own date.
func (db *DB) decode(res maxminddb.Result) (fields map[string]any, validAt time.Time, err error) {
	f := fieldSet{}
	switch db.kind {
	case kindCity:
		var c geoip2.City
		if err := res.Decode(&c); err != nil {
			return nil, time.Time{}, err
		}
		f.place(c.Continent, c.Country, c.RegisteredCountry, c.RepresentedCountry, c.Location)
		f.str(enrich.FieldCityName, c.City.Names.English)
		f.str("postal_code", c.Postal.Code)
		var subs []string
		for _, s := range c.Subdivisions {
			if s.ISOCode != "" {
				subs = append(subs, s.ISOCode)
			}
		}
		if len(subs) > 0 {
			f["subdivision_iso_codes"] = subs
		}
		f.flag("is_anycast", c.Traits.IsAnycast)
	case kindCountry:
		var c geoip2.Country
		if err := res.Decode(&c); err != nil {
			return nil, time.Time{}, err
		}
		f.place(c.Continent, c.Country, c.RegisteredCountry, c.RepresentedCountry, geoip2.Location{})
		f.flag("is_anycast", c.Traits.IsAnycast)
	case kindEnterprise:
		var e geoip2.Enterprise
		if err := res.Decode(&e); err != nil {
			return nil, time.Time{}, err
		}
		f.enterprise(&e)
	case kindASN:
		var r geoip2.ASN
		if err := res.Decode(&r); err != nil {
			return nil, time.Time{}, err
		}
		f.num(enrich.FieldASN, uint64(r.AutonomousSystemNumber))
		f.str(enrich.FieldASOrg, r.AutonomousSystemOrganization)
	case kindISP:
		var r geoip2.ISP
		if err := res.Decode(&r); err != nil {
			return nil, time.Time{}, err
		}
		f.num(enrich.FieldASN, uint64(r.AutonomousSystemNumber))
		f.str(enrich.FieldASOrg, r.AutonomousSystemOrganization)
		f.str(enrich.FieldISP, r.ISP)
		f.str(enrich.FieldOrganization, r.Organization)
		f.str("mobile_country_code", r.MobileCountryCode)
		f.str("mobile_network_code", r.MobileNetworkCode)
	case kindConnectionType:
		var r geoip2.ConnectionType
		if err := res.Decode(&r); err != nil {
			return nil, time.Time{}, err
		}
		f.str(enrich.FieldConnectionType, r.ConnectionType)
	case kindDomain:
		var r geoip2.Domain
		if err := res.Decode(&r); err != nil {
			return nil, time.Time{}, err
		}
		f.str("domain", r.Domain)
	case kindAnonymousIP:
		var r geoip2.AnonymousIP
		if err := res.Decode(&r); err != nil {
			return nil, time.Time{}, err
		}
		f.anonymous(r.IsAnonymous, r.IsAnonymousVPN, r.IsHostingProvider, r.IsPublicProxy, r.IsResidentialProxy, r.IsTorExitNode)
		return f, time.Time{}, nil // always an observation, even with no flag
	case kindAnonymousPlus:
		var r geoip2.AnonymousPlus
		if err := res.Decode(&r); err != nil {
			return nil, time.Time{}, err
		}
		f.anonymous(r.IsAnonymous, r.IsAnonymousVPN, r.IsHostingProvider, r.IsPublicProxy, r.IsResidentialProxy, r.IsTorExitNode)
		f.num("anonymizer_confidence", uint64(r.AnonymizerConfidence))
		f.str("provider_name", r.ProviderName)
		if !r.NetworkLastSeen.IsZero() {
			validAt = r.NetworkLastSeen.Time.UTC()
			f["network_last_seen"] = validAt.Format(time.DateOnly)
		}
		return f, validAt, nil
	default:
		var m map[string]any
		if err := res.Decode(&m); err != nil {
			return nil, time.Time{}, err
		}
		budget := maxGenericKeys
		flatten(f, "", m, 0, &budget)
	}
	if len(f) == 0 {
		return nil, time.Time{}, nil
	}
	return f, validAt, nil
}

// anonymousFlags are the six Anonymous-IP flags in MaxMind's order.
var anonymousFlags = [6]string{enrich.FieldIsAnonymous, enrich.FieldIsAnonymousVPN, enrich.FieldIsHostingProvider,
	enrich.FieldIsPublicProxy, enrich.FieldIsResidentialProxy, enrich.FieldIsTorExitNode}

func (f fieldSet) anonymous(v ...bool) {
	flags := []string{}
	for i, name := range anonymousFlags {
		f[name] = v[i]
		if v[i] {
			flags = append(flags, name)
		}
	}
	f[enrich.FieldFlags] = flags
}

func (f fieldSet) place(cont geoip2.Continent, country, registered geoip2.CountryRecord, represented geoip2.RepresentedCountry, loc geoip2.Location) {
	f.str("continent_code", cont.Code)
	f.str(enrich.FieldCountryISOCode, country.ISOCode)
	f.str("country_name", country.Names.English)
	f.flag("is_in_european_union", country.IsInEuropeanUnion)
	f.str("registered_country_iso_code", registered.ISOCode)
	f.str("represented_country_iso_code", represented.ISOCode)
	f.str("represented_country_type", represented.Type)
	f.location(loc)
}

func (f fieldSet) location(loc geoip2.Location) {
	if loc.HasCoordinates() {
		f["latitude"] = *loc.Latitude
		f["longitude"] = *loc.Longitude
	}
	f.num("accuracy_radius", uint64(loc.AccuracyRadius))
	f.str("time_zone", loc.TimeZone)
	// Deprecated by MaxMind but still in the databases an examiner holds:
	// what a dataset said is preserved as it said it.
	//lint:ignore SA1019 preserved as the dataset says it
	f.num("metro_code", uint64(loc.MetroCode))
}

func (f fieldSet) enterprise(e *geoip2.Enterprise) {
	f.str("continent_code", e.Continent.Code)
	f.str(enrich.FieldCountryISOCode, e.Country.ISOCode)
	f.str("country_name", e.Country.Names.English)
	f.num("country_confidence", uint64(e.Country.Confidence))
	f.flag("is_in_european_union", e.Country.IsInEuropeanUnion)
	f.str("registered_country_iso_code", e.RegisteredCountry.ISOCode)
	f.str("represented_country_iso_code", e.RepresentedCountry.ISOCode)
	f.str("represented_country_type", e.RepresentedCountry.Type)
	f.location(e.Location)
	f.str(enrich.FieldCityName, e.City.Names.English)
	f.num("city_confidence", uint64(e.City.Confidence))
	f.str("postal_code", e.Postal.Code)
	f.num("postal_confidence", uint64(e.Postal.Confidence))
	var subs []string
	var confs []int64
	for _, s := range e.Subdivisions {
		if s.ISOCode != "" {
			subs = append(subs, s.ISOCode)
			confs = append(confs, int64(s.Confidence))
		}
	}
	if len(subs) > 0 {
		f["subdivision_iso_codes"] = subs
		f["subdivision_confidences"] = confs
	}
	t := e.Traits
	f.num(enrich.FieldASN, uint64(t.AutonomousSystemNumber))
	f.str(enrich.FieldASOrg, t.AutonomousSystemOrganization)
	f.str(enrich.FieldConnectionType, t.ConnectionType)
	f.str("domain", t.Domain)
	f.str(enrich.FieldISP, t.ISP)
	f.str(enrich.FieldOrganization, t.Organization)
	f.str("mobile_country_code", t.MobileCountryCode)
	f.str("mobile_network_code", t.MobileNetworkCode)
	f.str(enrich.FieldUserType, t.UserType)
	//lint:ignore SA1019 preserved as the dataset says it (deprecated, still in the databases)
	if s := t.StaticIPScore; s != 0 {
		f["static_ip_score"] = s
	}
	f.flag("is_anycast", t.IsAnycast)
	//lint:ignore SA1019 preserved as the dataset says it (deprecated, still in the databases)
	f.flag("is_legitimate_proxy", t.IsLegitimateProxy)
}

// Bounds for generic (custom database_type) records.
const (
	maxGenericDepth = 4
	maxGenericKeys  = 256
	maxGenericList  = 64
)

// flatten copies a decoded mmdb map into f with dotted keys, converting
// values to JSON-friendly types. Deeper levels, extra keys and long lists
// are cut off silently: the record stays in the dataset for anyone who
// needs all of it.
func flatten(f fieldSet, prefix string, m map[string]any, depth int, budget *int) {
	for k, v := range m {
		if *budget <= 0 {
			return
		}
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		if sub, ok := v.(map[string]any); ok {
			if depth+1 < maxGenericDepth {
				flatten(f, key, sub, depth+1, budget)
			}
			continue
		}
		if list, ok := v.([]any); ok {
			out := make([]any, 0, min(len(list), maxGenericList))
			for _, x := range list[:min(len(list), maxGenericList)] {
				if s, ok := scalar(x); ok {
					out = append(out, s)
				}
			}
			f[key] = out
			*budget--
			continue
		}
		if s, ok := scalar(v); ok {
			f[key] = s
			*budget--
		}
	}
}

// scalar converts an mmdb scalar to a JSON-friendly value.
func scalar(v any) (any, bool) {
	switch x := v.(type) {
	case string, bool, float64, int32, int64, uint16, uint32:
		return x, true
	case float32:
		return float64(x), true
	case uint64:
		if x > 1<<53 {
			return strconv.FormatUint(x, 10), true
		}
		return x, true
	case *big.Int:
		return x.String(), true
	case []byte:
		return hex.EncodeToString(x), true
	case nil, map[string]any, []any:
		return nil, false // nested containers inside lists are left out
	default:
		return fmt.Sprint(x), true
	}
}
