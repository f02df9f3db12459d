package runner

import (
	"fmt"
	"reflect"
	"testing"

	"shoal/protocol"
)

// TestConversionsCopyEveryField fills every field of a wire type, converts
// it, and checks that each field arrived under its name: a field added to
// the wire type and forgotten in the conversion fails here.
func TestConversionsCopyEveryField(t *testing.T) {
	type testCase struct {
		name    string
		in      any
		convert func(in any) any
	}
	cases := []testCase{
		{"report", &protocol.Report{}, func(in any) any { return reportsOf([]protocol.Report{*in.(*protocol.Report)})[0] }},
		{"collect report", &protocol.CollectReport{}, func(in any) any {
			return collectReportsOf([]protocol.CollectReport{*in.(*protocol.CollectReport)})[0]
		}},
		{"marks", &protocol.Marks{}, func(in any) any { return *marksOf(in.(*protocol.Marks)) }},
		{"options", &protocol.Options{}, func(in any) any { return optionsOf(*in.(*protocol.Options)) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fill(reflect.ValueOf(tc.in).Elem(), "v")
			in := reflect.ValueOf(tc.in).Elem()
			if err := sameByName(in, reflect.ValueOf(tc.convert(tc.in)), in.Type().Name()); err != nil {
				t.Error(err)
			}
		})
	}
	if reportsOf(nil) != nil || collectReportsOf(nil) != nil || marksOf(nil) != nil {
		t.Error("nothing on the wire must stay nothing")
	}
}

// fill gives every field a value that is not its zero, named after its path.
func fill(v reflect.Value, path string) {
	switch v.Kind() {
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			fill(v.Field(i), path+"."+v.Type().Field(i).Name)
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), path)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(v.Index(0), path+"[0]")
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			fill(v.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.String:
		v.SetString(path)
	case reflect.Int:
		v.SetInt(int64(len(path)))
	case reflect.Float64:
		v.SetFloat(float64(len(path)) + 0.5)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Interface:
		v.Set(reflect.ValueOf(path))
	}
}

// sameByName compares a wire value with its converted form, struct fields
// by name, so the two types need not be the same.
func sameByName(a, b reflect.Value, path string) error {
	if a.Kind() == reflect.Pointer {
		if b.Kind() != reflect.Pointer || a.IsNil() != b.IsNil() {
			return fmt.Errorf("%s: %v became %v", path, a, b)
		}
		if a.IsNil() {
			return nil
		}
		return sameByName(a.Elem(), b.Elem(), path)
	}
	if a.Kind() == reflect.Slice && b.Kind() == reflect.Slice && a.Type() != b.Type() {
		if a.Len() != b.Len() {
			return fmt.Errorf("%s: %d elements became %d", path, a.Len(), b.Len())
		}
		for i := 0; i < a.Len(); i++ {
			if err := sameByName(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		return nil
	}
	if a.Kind() != reflect.Struct {
		if !reflect.DeepEqual(a.Interface(), b.Interface()) {
			return fmt.Errorf("%s: %v became %v", path, a, b)
		}
		return nil
	}
	for i := 0; i < a.NumField(); i++ {
		name := a.Type().Field(i).Name
		bf := b.FieldByName(name)
		if !bf.IsValid() {
			return fmt.Errorf("%s.%s: no such field after the conversion", path, name)
		}
		if err := sameByName(a.Field(i), bf, path+"."+name); err != nil {
			return err
		}
	}
	return nil
}
