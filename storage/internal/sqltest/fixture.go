package sqltest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"testing"
	"time"
)

// Fixture names the rows LoadFixture wrote.
type Fixture struct {
	UDID, UserID       string // device and user channel IDs
	Topic, PushMagic   string
	Token              []byte // APNs token, stored as hex
	Bootstrap          []byte // bootstrap token, stored as base64
	Cert               *x509.Certificate
	OldHash, NewHash   string // older and current certificate bindings
	Answered, Pending  string // an acknowledged and a pending command
	Later, NotNow      string // a pending command after Pending, and one deferred
	PushTopic          string // topic of the stored push certificate
	PushCertStaleToken string
}

const plistHead = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
`

// LoadFixture writes, with plain SQL, the rows NanoMDM's queries write for
// one enrolled device with a user channel, four commands, two certificate
// bindings and a push certificate. Values are encoded as NanoMDM encodes
// them: a PEM identity certificate, a hex push token, a base64 bootstrap
// token and XML plists, with queue times a second apart.
func LoadFixture(t testing.TB, db *sql.DB) *Fixture {
	t.Helper()
	udid := randomUDID()
	fx := &Fixture{
		UDID:      udid,
		UserID:    udid + ":" + randomUDID(),
		Topic:     "com.apple.mgmt.External." + randomUDID(),
		PushMagic: randomUDID(),
		Token:     []byte{0xde, 0xad, 0xbe, 0xef, 0x01},
		Bootstrap: []byte("escrowed bootstrap token"),
		OldHash:   fmt.Sprintf("%x", sha256.Sum256([]byte(udid+"old"))),
		Answered:  RandomName("cmd-"),
		Pending:   RandomName("cmd-"),
		Later:     RandomName("cmd-"),
		NotNow:    RandomName("cmd-"),
		PushTopic: "com.apple.mgmt.External." + randomUDID(),
	}
	certDER, _ := selfSigned(t, "identity "+udid)
	cert, err := x509.ParseCertificate(certDER)
	if err != nil {
		t.Fatal(err)
	}
	fx.Cert = cert
	fx.NewHash = fmt.Sprintf("%x", sha256.Sum256(certDER))
	fx.PushCertStaleToken = "3"
	ExecAll(t, db, fx.statements(t)...)
	return fx
}

// statements returns the INSERTs of the fixture, as literal SQL both
// servers take.
func (fx *Fixture) statements(t testing.TB) []string {
	certPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: fx.Cert.Raw}))
	pushDER, pushKey := selfSigned(t, fx.PushTopic)
	pushPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: pushDER}))
	keyPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pushKey}))
	tokenHex := hex.EncodeToString(fx.Token)
	at := func(sec int) string { return fmt.Sprintf("'2024-01-01 00:00:%02d'", sec) }

	stmts := []string{
		fmt.Sprintf(`INSERT INTO devices (id, identity_cert, serial_number, authenticate,
authenticate_at, token_update, token_update_at, bootstrap_token_b64, bootstrap_token_at)
VALUES ('%s', '%s', 'C02FIXTURE01', '%s', CURRENT_TIMESTAMP, '%s', CURRENT_TIMESTAMP, '%s', CURRENT_TIMESTAMP)`,
			fx.UDID, certPEM, fx.AuthenticatePlist(), fx.TokenUpdatePlist(""),
			base64.StdEncoding.EncodeToString(fx.Bootstrap)),
		fmt.Sprintf(`INSERT INTO users (id, device_id, user_short_name, token_update, token_update_at)
VALUES ('%s', '%s', 'fixture', '%s', CURRENT_TIMESTAMP)`, fx.UserID, fx.UDID, fx.TokenUpdatePlist(fx.UserID)),
		fmt.Sprintf(`INSERT INTO enrollments (id, device_id, user_id, type, topic, push_magic,
token_hex, enabled, token_update_tally, last_seen_at)
VALUES ('%s', '%s', NULL, 'Device', '%s', '%s', '%s', TRUE, 1, CURRENT_TIMESTAMP)`,
			fx.UDID, fx.UDID, fx.Topic, fx.PushMagic, tokenHex),
		fmt.Sprintf(`INSERT INTO enrollments (id, device_id, user_id, type, topic, push_magic,
token_hex, enabled, token_update_tally, last_seen_at)
VALUES ('%s', '%s', '%s', 'User', '%s', '%s', '%s', TRUE, 1, CURRENT_TIMESTAMP)`,
			fx.UserID, fx.UDID, fx.UserID, fx.Topic, fx.PushMagic, tokenHex),
	}
	for i, uuid := range []string{fx.Answered, fx.Pending, fx.Later, fx.NotNow} {
		stmts = append(stmts,
			fmt.Sprintf(`INSERT INTO commands (command_uuid, request_type, command) VALUES ('%s', 'ProfileList', '%s')`,
				uuid, CommandPlist(uuid)),
			fmt.Sprintf(`INSERT INTO enrollment_queue (id, command_uuid, created_at) VALUES ('%s', '%s', %s)`,
				fx.UDID, uuid, at(i)))
	}
	return append(stmts,
		fmt.Sprintf(`INSERT INTO command_results (id, command_uuid, status, result, not_now_at, not_now_tally)
VALUES ('%s', '%s', 'Acknowledged', '%s', NULL, 0)`, fx.UDID, fx.Answered, fx.ReportPlist("", fx.Answered, "Acknowledged")),
		fmt.Sprintf(`INSERT INTO command_results (id, command_uuid, status, result, not_now_at, not_now_tally)
VALUES ('%s', '%s', 'NotNow', '%s', CURRENT_TIMESTAMP, 1)`, fx.UDID, fx.NotNow, fx.ReportPlist("", fx.NotNow, "NotNow")),
		fmt.Sprintf(`INSERT INTO cert_auth_associations (id, sha256, created_at, updated_at)
VALUES ('%s', '%s', %s, %s)`, fx.UDID, fx.OldHash, at(0), at(0)),
		fmt.Sprintf(`INSERT INTO cert_auth_associations (id, sha256, created_at, updated_at)
VALUES ('%s', '%s', %s, %s)`, fx.UDID, fx.NewHash, at(5), at(5)),
		fmt.Sprintf(`INSERT INTO push_certs (topic, cert_pem, key_pem, stale_token) VALUES ('%s', '%s', '%s', 3)`,
			fx.PushTopic, pushPEM, keyPEM),
	)
}

// AuthenticatePlist returns the device's Authenticate message.
func (fx *Fixture) AuthenticatePlist() string {
	return plistHead + `<key>MessageType</key><string>Authenticate</string>
<key>SerialNumber</key><string>C02FIXTURE01</string>
<key>Topic</key><string>` + fx.Topic + `</string>
<key>UDID</key><string>` + fx.UDID + `</string>
</dict>
</plist>
`
}

// TokenUpdatePlist returns the TokenUpdate of the device channel, or of
// the user channel when userID is not empty.
func (fx *Fixture) TokenUpdatePlist(userID string) string {
	user := ""
	if userID != "" {
		user = "<key>UserID</key><string>" + userID[len(fx.UDID)+1:] + "</string>\n" +
			"<key>UserShortName</key><string>fixture</string>\n"
	}
	return plistHead + `<key>MessageType</key><string>TokenUpdate</string>
<key>PushMagic</key><string>` + fx.PushMagic + `</string>
<key>Token</key><data>` + base64.StdEncoding.EncodeToString(fx.Token) + `</data>
<key>Topic</key><string>` + fx.Topic + `</string>
<key>UDID</key><string>` + fx.UDID + `</string>
` + user + `</dict>
</plist>
`
}

// ReportPlist returns a command report from the device channel, or from
// the user channel when userID is not empty.
func (fx *Fixture) ReportPlist(userID, uuid, status string) string {
	keys := "<key>UDID</key><string>" + fx.UDID + "</string>\n"
	if userID != "" {
		keys += "<key>UserID</key><string>" + userID[len(fx.UDID)+1:] + "</string>\n"
	}
	if uuid != "" {
		keys += "<key>CommandUUID</key><string>" + uuid + "</string>\n"
	}
	return plistHead + keys + "<key>Status</key><string>" + status + "</string>\n</dict>\n</plist>\n"
}

// CommandPlist returns a ProfileList command plist.
func CommandPlist(uuid string) string {
	return plistHead + `<key>Command</key><dict><key>RequestType</key><string>ProfileList</string></dict>
<key>CommandUUID</key><string>` + uuid + `</string>
</dict>
</plist>
`
}

var oidUID = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}

// selfSigned returns a self-signed certificate whose subject has the UID
// uid, and its PKCS #8 private key.
func selfSigned(t testing.TB, uid string) (certDER, keyDER []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject: pkix.Name{
			CommonName: uid,
			ExtraNames: []pkix.AttributeTypeAndValue{{Type: oidUID, Value: uid}},
		},
		NotBefore: time.Now().Add(-time.Hour),
		NotAfter:  time.Now().Add(24 * time.Hour),
	}
	certDER, err = x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err = x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return certDER, keyDER
}
