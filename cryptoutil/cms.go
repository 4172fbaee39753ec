package cryptoutil

import (
	"bytes"
	encasn1 "encoding/asn1"
	"math/big"

	"github.com/smallstep/pkcs7"
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// derSignedData is the part of a DER CMS SignedData (RFC 5652, section 5)
// that Mdm-Signature checking reads.
type derSignedData struct {
	// certs is the content of the certificates field: the DER of each
	// embedded certificate, one after another.
	certs   []byte
	signers int
	// signer is the first SignerInfo.
	signer derSigner
}

// derSigner is one SignerInfo (RFC 5652, section 5.3).
type derSigner struct {
	issuer    []byte
	serial    *big.Int
	digestAlg encasn1.ObjectIdentifier
	// signedAttrs is the DER of the signed attributes with its [0] tag,
	// or nil when there are none. attrs holds each attribute.
	signedAttrs []byte
	attrs       []derAttribute
	sigAlg      encasn1.ObjectIdentifier
	signature   []byte
}

// derAttribute is one signed attribute: its type and the content of its
// SET of values.
type derAttribute struct {
	typ    encasn1.ObjectIdentifier
	values []byte
}

var (
	tagContext0 = asn1.Tag(0).Constructed().ContextSpecific()
	tagContext1 = asn1.Tag(1).Constructed().ContextSpecific()
)

// parseDERSignedData reads a CMS ContentInfo holding a detached SignedData
// in strict DER. It returns false for anything else: BER, embedded
// content, CRLs, a subject key identifier signer, unsorted signed
// attributes or trailing data. pkcs7 then parses the input, so this parser
// may reject more than pkcs7 does but never accepts what pkcs7 rejects.
func parseDERSignedData(der []byte) (*derSignedData, bool) {
	if !isDERTree(der) {
		return nil, false
	}
	input := cryptobyte.String(der)
	var contentInfo, explicit, signedData cryptobyte.String
	var contentType encasn1.ObjectIdentifier
	if !input.ReadASN1(&contentInfo, asn1.SEQUENCE) || !input.Empty() ||
		!contentInfo.ReadASN1ObjectIdentifier(&contentType) ||
		!contentType.Equal(pkcs7.OIDSignedData) ||
		!contentInfo.ReadASN1(&explicit, tagContext0) || !contentInfo.Empty() ||
		!explicit.ReadASN1(&signedData, asn1.SEQUENCE) || !explicit.Empty() {
		return nil, false
	}

	var version int64
	var algorithms, encap, certs, signerInfos cryptobyte.String
	var hasCerts bool
	if !signedData.ReadASN1Integer(&version) ||
		!signedData.ReadASN1(&algorithms, asn1.SET) || !readAlgorithmList(algorithms) ||
		!signedData.ReadASN1(&encap, asn1.SEQUENCE) || !readDetachedContentInfo(encap) ||
		!signedData.ReadOptionalASN1(&certs, &hasCerts, tagContext0) ||
		!signedData.ReadASN1(&signerInfos, asn1.SET) || !signedData.Empty() {
		return nil, false
	}

	sd := &derSignedData{certs: certs}
	for !signerInfos.Empty() {
		var info cryptobyte.String
		if !signerInfos.ReadASN1(&info, asn1.SEQUENCE) {
			return nil, false
		}
		if sd.signers == 0 && !readSigner(info, &sd.signer) {
			return nil, false
		}
		sd.signers++
	}
	return sd, true
}

// isDERTree reports whether der is exactly one DER element whose
// constructed elements, at every depth, hold only DER elements. pkcs7's
// BER conversion walks every constructed element this way, so an input
// that passes also passes that conversion unchanged, and one that fails
// goes to pkcs7 to fail as it does there.
func isDERTree(der []byte) bool {
	s := cryptobyte.String(der)
	var element cryptobyte.String
	var tag asn1.Tag
	return s.ReadAnyASN1Element(&element, &tag) && s.Empty() && isDERContent(element, tag)
}

func isDERContent(element cryptobyte.String, tag asn1.Tag) bool {
	if tag&0x20 == 0 {
		return true
	}
	var content cryptobyte.String
	if !element.ReadAnyASN1(&content, &tag) {
		return false
	}
	for !content.Empty() {
		var child cryptobyte.String
		var childTag asn1.Tag
		if !content.ReadAnyASN1Element(&child, &childTag) || !isDERContent(child, childTag) {
			return false
		}
	}
	return true
}

// readAlgorithmList checks that s is a list of AlgorithmIdentifiers.
func readAlgorithmList(s cryptobyte.String) bool {
	for !s.Empty() {
		var oid encasn1.ObjectIdentifier
		if !readAlgorithm(&s, &oid) {
			return false
		}
	}
	return true
}

// readAlgorithm reads an AlgorithmIdentifier and keeps its OID. The
// parameters, if any, are ignored.
func readAlgorithm(s *cryptobyte.String, oid *encasn1.ObjectIdentifier) bool {
	var alg, params cryptobyte.String
	var tag asn1.Tag
	if !s.ReadASN1(&alg, asn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(oid) {
		return false
	}
	if !alg.Empty() && !alg.ReadAnyASN1Element(&params, &tag) {
		return false
	}
	return alg.Empty()
}

// readDetachedContentInfo checks that s is an EncapsulatedContentInfo
// with a content type and no content.
func readDetachedContentInfo(s cryptobyte.String) bool {
	var contentType encasn1.ObjectIdentifier
	return s.ReadASN1ObjectIdentifier(&contentType) && s.Empty()
}

// readSigner reads a SignerInfo identified by issuer and serial number.
func readSigner(s cryptobyte.String, out *derSigner) bool {
	var version int64
	var sid, issuer cryptobyte.String
	var tag asn1.Tag
	out.serial = new(big.Int)
	if !s.ReadASN1Integer(&version) ||
		!s.ReadASN1(&sid, asn1.SEQUENCE) ||
		!sid.ReadAnyASN1Element(&issuer, &tag) ||
		!sid.ReadASN1Integer(out.serial) || !sid.Empty() ||
		!readAlgorithm(&s, &out.digestAlg) {
		return false
	}
	out.issuer = issuer

	if s.PeekASN1Tag(tagContext0) {
		var attrs cryptobyte.String
		if !s.ReadASN1Element(&attrs, tagContext0) || !readSignedAttributes(attrs, out) {
			return false
		}
	}

	var signature []byte
	if !readAlgorithm(&s, &out.sigAlg) || !s.ReadASN1Bytes(&signature, asn1.OCTET_STRING) {
		return false
	}
	out.signature = signature

	// pkcs7 decodes the unsigned attributes too, so they must be well formed.
	if s.PeekASN1Tag(tagContext1) {
		var unsigned cryptobyte.String
		if !s.ReadASN1(&unsigned, tagContext1) || !readAttributes(unsigned, false, nil) {
			return false
		}
	}
	return s.Empty()
}

// readSignedAttributes reads the [0] signed attributes element attrs. The
// attributes must be in DER SET OF order, as Go's encoding/asn1 sorts
// them, because pkcs7 re-encodes them that way before checking the
// signature.
func readSignedAttributes(attrs cryptobyte.String, out *derSigner) bool {
	out.signedAttrs = attrs
	var content cryptobyte.String
	return attrs.ReadASN1(&content, tagContext0) && readAttributes(content, true, &out.attrs)
}

// readAttributes reads a list of attributes, each a type and a SET of
// values, into out when out is not nil. With sorted, the attributes must
// be in DER SET OF order.
func readAttributes(content cryptobyte.String, sorted bool, out *[]derAttribute) bool {
	var previous []byte
	for !content.Empty() {
		var element, attr, values cryptobyte.String
		var typ encasn1.ObjectIdentifier
		if !content.ReadASN1Element(&element, asn1.SEQUENCE) ||
			(sorted && bytes.Compare(previous, element) > 0) {
			return false
		}
		previous = element
		if !element.ReadASN1(&attr, asn1.SEQUENCE) ||
			!attr.ReadASN1ObjectIdentifier(&typ) ||
			!attr.ReadASN1(&values, asn1.SET) || !attr.Empty() {
			return false
		}
		if out != nil {
			*out = append(*out, derAttribute{typ: typ, values: values})
		}
	}
	return true
}
